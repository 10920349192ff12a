"""The HTTP face of the delivery service (FastAPI over :class:`DeliveryService`)."""

from sealdoc.delivery.http.app import create_app

__all__ = ["create_app"]
