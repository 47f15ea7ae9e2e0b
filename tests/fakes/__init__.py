"""Fakes the tests run the real code against, all on 127.0.0.1: a Telegram Bot API
(``botapi``), one HTTP server for feeds, pages and package indexes (``web``), and the
driver that runs the real bot application against the fake Bot API (``chat``)."""
