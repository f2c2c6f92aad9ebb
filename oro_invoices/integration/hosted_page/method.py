"""OroPay as a ``PaymentMethod``: the customer pays on the hosted page, which posts a signed
response back; refunds and voids go through the XML API."""
from __future__ import annotations

from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import KNOWN_CURRENCIES
from oro_invoices.integration.hosted_page import remote
from oro_invoices.integration.hosted_page.signing import (
    HppRequest,
    request_fields,
    timestamp,
    verify_response,
)
from oro_invoices.integration.payment_methods import (
    POST_FORM,
    REPLY_PAGE,
    AmountLimits,
    AttemptRecord,
    CallbackRejected,
    CallbackResult,
    CancelRequest,
    MethodConfig,
    PaymentPage,
    PaymentRequest,
    ProviderCallback,
    ProviderError,
    ProviderEvent,
    RefundRequest,
)

PREFIX = "oro_invoices.oropay."
MERCHANT_ID = PREFIX + "merchant_id"
ACCOUNT = PREFIX + "account"
SHARED_SECRET = PREFIX + "shared_secret"
HPP_URL = PREFIX + "hpp_url"
API_URL = PREFIX + "api_url"
REBATE_PASSWORD = PREFIX + "rebate_password"
SETTING_KEYS = (MERCHANT_ID, ACCOUNT, SHARED_SECRET, HPP_URL, API_URL, REBATE_PASSWORD)

#: The largest amount sent to the hosted page, in minor units.
MAXIMUM_AMOUNT = 10**12 - 1


class OroPayMethod:
    """The hosted payment page method (``oropay``)."""

    name = "oropay"
    label = "OroPay"
    setting_keys = SETTING_KEYS

    def __init__(self, transport: remote.Transport = remote.http_transport):
        self.transport = transport

    def limits(self, currency: str, config: MethodConfig) -> AmountLimits | None:
        configured = all(str(config.get(key) or "").strip() for key in (MERCHANT_ID, SHARED_SECRET, HPP_URL))
        if not configured or currency not in KNOWN_CURRENCIES:
            return None
        return AmountLimits(minimum=1, maximum=MAXIMUM_AMOUNT)

    def pays_several(self, config: MethodConfig) -> bool:
        """The hosted page always charges at once, so several invoices can be paid together."""
        return True

    def start(self, request: PaymentRequest) -> PaymentPage:
        config = request.config
        fields = request_fields(HppRequest(
            merchant_id=str(config[MERCHANT_ID]), account=str(config.get(ACCOUNT) or ""),
            order_id=request.attempt_id, amount=request.amount, currency=request.currency,
            timestamp=timestamp(request.timestamp), response_url=request.return_url,
            comment=request.description, customer_email=request.customer_email),
            str(config[SHARED_SECRET]))
        return PaymentPage(kind=POST_FORM, url=str(config[HPP_URL]), fields=fields)

    def callback_attempt(self, callback: ProviderCallback) -> str | None:
        return callback.form.get("ORDER_ID") or None

    def handle_callback(self, callback: ProviderCallback, attempt: AttemptRecord | None,
                        config: MethodConfig) -> CallbackResult:
        if callback.http_method.upper() != "POST":
            raise CallbackRejected("The hosted page posts its response; this request was a "
                                   f"{callback.http_method.upper()}.")
        response = verify_response(callback.form, secret=str(config.get(SHARED_SECRET) or ""),
                                   merchant_id=str(config.get(MERCHANT_ID) or ""))
        if attempt is None or attempt.kind != "payment" or attempt.attempt_id != response.order_id:
            raise CallbackRejected(f"No payment was started with ORDER_ID {response.order_id!r}.",
                                   attempt_id=response.order_id)
        if response.amount != attempt.amount:
            # AMOUNT is not signed: an answer for another amount than this payment's is not the
            # provider's (a copy changed in the payer's browser), whatever became of the payment
            raise CallbackRejected(f"The response's AMOUNT {response.amount} is not the {attempt.amount} the "
                                   "payment was started with.", attempt_id=response.order_id)
        event = ProviderEvent(
            event_id=f"hpp/{response.order_id}/{response.pasref or '-'}/{response.result}",
            action="charge", successful=response.approved, amount=response.amount,
            currency=attempt.currency, attempt_id=response.order_id,
            provider_reference=response.pasref or None, message=response.message,
            data={"order_id": response.order_id, "result": response.result,
                  "authcode": response.authcode, "message": response.message})
        return CallbackResult(events=(event,), attempt_id=response.order_id, reply=REPLY_PAGE)

    def refund(self, request: RefundRequest) -> ProviderEvent:
        creds = self._credentials(request.config)
        if not creds.rebate_password:
            raise ProviderError(Message("Refunds through OroPay need the rebate password: set it under "
                                        "System > Configuration > Invoices > OroPay."))
        parent = request.transaction
        body = remote.rebate_xml(creds, timestamp=timestamp(request.timestamp),
                                 order_id=parent.attempt_id, pasref=parent.provider_reference,
                                 authcode=str(parent.data.get("authcode", "")),
                                 amount=request.amount, currency=request.currency,
                                 comment=request.notes)
        result = remote.parse_response(self.transport(creds.api_url, body), creds,
                                       order_id=parent.attempt_id)
        return ProviderEvent(
            event_id=f"rebate/{request.attempt_id}/{result.pasref or '-'}", action="refund",
            successful=result.approved, amount=request.amount, currency=request.currency,
            attempt_id=request.attempt_id, provider_reference=result.pasref or None,
            parent_reference=parent.provider_reference, message=result.message,
            data={"result": result.result, "message": result.message})

    def cancel(self, request: CancelRequest) -> ProviderEvent:
        creds = self._credentials(request.config)
        parent = request.transaction
        body = remote.void_xml(creds, timestamp=timestamp(request.timestamp),
                               order_id=parent.attempt_id, pasref=parent.provider_reference,
                               comment=request.notes)
        result = remote.parse_response(self.transport(creds.api_url, body), creds,
                                       order_id=parent.attempt_id)
        return ProviderEvent(
            event_id=f"void/{request.attempt_id}/{result.pasref or '-'}", action="cancel",
            successful=result.approved, amount=parent.amount, currency=parent.currency,
            attempt_id=request.attempt_id, provider_reference=result.pasref or None,
            parent_reference=parent.provider_reference, message=result.message,
            data={"result": result.result, "message": result.message})

    def _credentials(self, config: MethodConfig) -> remote.Credentials:
        api_url = str(config.get(API_URL) or "")
        if not api_url:
            raise ProviderError(Message("OroPay's API URL is not configured, so refunds and "
                                        "cancellations cannot be sent."))
        return remote.Credentials(merchant_id=str(config.get(MERCHANT_ID) or ""),
                                  account=str(config.get(ACCOUNT) or ""),
                                  shared_secret=str(config.get(SHARED_SECRET) or ""),
                                  api_url=api_url,
                                  rebate_password=str(config.get(REBATE_PASSWORD) or ""))
