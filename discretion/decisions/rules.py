"""What a remedy request must carry: the longest reason and customer message.

The API's input serializers (which the case page's resolve panel validates with too) and
the case page's text areas read these; the model's fields are unbounded text.
"""

from __future__ import annotations

REASON_MAX_LENGTH = 4000
CUSTOMER_MESSAGE_MAX_LENGTH = 8000
