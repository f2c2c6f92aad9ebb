"""The Stripe method's tests: against the local Stripe server, and Stripe's test mode when keys are set."""
from support.stripe_payments import stripe_account  # noqa: F401  (the fixture)
