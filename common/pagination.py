"""The page of every API list: ``{count, next, previous, results}``.

``page_size`` and ``page`` are read strictly: ASCII digits (``page`` may also be
``last``); anything else, a blank included, is a 400 naming the parameter, never
silently the default. A ``page_size`` above ``max_page_size`` is capped (DRF's rule), a
page past the end is DRF's 404.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

_POSITIVE = re.compile(r"[0-9]{1,9}")


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        page = request.query_params.get(self.page_query_param)
        bad = _POSITIVE.fullmatch(page or "") is None or int(page or 0) < 1
        if page is not None and page not in self.last_page_strings and bad:
            raise ValidationError({self.page_query_param: ["Give a page number from 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if _POSITIVE.fullmatch(raw) is None or int(raw) < 1:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a page size from 1 to {self.max_page_size}."]}
            )
        return min(int(raw), self.max_page_size)
