"""The consent service: records cookie-banner choices in a tamper-evident hash chain, shows each
visitor their own log, and serves the built policy site from the same origin.

The application is built by :func:`consent_service.app.create_app`; importing this package
loads nothing else, so a module such as ``records`` can be used without the web application.
"""
