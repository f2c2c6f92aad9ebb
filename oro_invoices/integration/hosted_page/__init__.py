"""OroPay: the hosted payment page of Global Payments (HPP), with refunds over its XML API.

``signing`` holds the signing rule and the request and response fields, ``remote`` the XML
requests (rebate, void), ``method`` the ``PaymentMethod`` built on them. Nothing here needs the
Global Payments SDK.
"""
