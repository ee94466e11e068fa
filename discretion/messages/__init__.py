"""Customer messages: the outbox of e-mails to a case's customer, and their fate.

A message is a row first (written in the transaction of the change it follows), then an
e-mail sent once by a worker after commit; a beat sweeper makes good a lost task or a
crashed worker. Why it is sent once: docs/concurrency.md, "The customer outbox".
"""
