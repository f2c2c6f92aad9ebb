"""The suite classes; ``from oro_invoices.testing.suite import *`` collects them all."""
from .test_commerce import TestCustomers, TestOrders
from .test_config_store import TestConfigStore, TestSettingsOverStore
from .test_host import TestHostShape
from .test_identity import TestUsers
from .test_profile import TestFeatureGating, TestInstall
from .test_ui import TestEmailTemplates, TestLayout, TestMenu, TestOrderView, TestStorefront, TestUrls

__all__ = [
    "TestConfigStore", "TestCustomers", "TestEmailTemplates", "TestFeatureGating",
    "TestHostShape", "TestInstall", "TestLayout", "TestMenu", "TestOrderView", "TestOrders",
    "TestSettingsOverStore", "TestStorefront", "TestUrls", "TestUsers",
]
