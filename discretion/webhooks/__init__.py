"""Signed webhooks: events written in the transaction of the change they report (an
outbox: one delivery row per subscribed endpoint), POSTed by a worker after commit with
an HMAC signature, retried with backoff for a day, made good by a sweeper. The receiver's
side: docs/webhooks.md.
"""
