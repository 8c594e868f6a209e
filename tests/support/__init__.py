"""Helpers shared by the tests. A test module imports from here, from ``tests/factories.py``
and from the conftests, never from another test module.

- ``auth``: signing in through the login form (test client, HTTP session, Chromium);
- ``live``: the app on a real threaded server; ``parallel``: requests released together;
- ``queries``: the SQL statement counter; ``worker``: a real Celery worker subprocess;
- ``smtp_sink``: a real SMTP server; ``pabulib_dir``, ``pabulib``, ``pabutools``: the real
  elections and pabutools' counterparts of our rules;
- builders of seeded worlds: ``opendata``, ``accountability``, ``api``, ``ballots``,
  ``redaction``, ``routes``, ``browser``, ``reliability``.
"""
