"""Compare an implementation's method signatures with the Protocol it implements (kept here for
the conformance kit; the comparison lives in ``oro_invoices.adapters.signatures``)."""
from oro_invoices.adapters.signatures import (
    bare,
    differences,
    expected_signature,
    host_problems,
    protocol_methods,
    signature_problems,
)

__all__ = ["bare", "differences", "expected_signature", "host_problems", "protocol_methods",
           "signature_problems"]
