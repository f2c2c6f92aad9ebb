"""The suite classes; ``from oro_invoices.testing.suite import *`` collects them all."""
from oro_invoices.testing.suite.test_commerce import (
    TestCustomers,
    TestOrders,
    TestOrganizations,
    TestWebsites,
)
from oro_invoices.testing.suite.test_config_store import (
    TestConfigStore,
    TestSettingsOverStore,
)
from oro_invoices.testing.suite.test_host import TestHostShape
from oro_invoices.testing.suite.test_identity import TestUsers
from oro_invoices.testing.suite.test_pages import (
    TestPageAccess,
    TestPageAging,
    TestPageDownloads,
    TestPageForms,
    TestPageHead,
    TestPageListQuery,
    TestPageLogin,
    TestPageOrderTab,
    TestPageRecordPayment,
    TestPageSelection,
    TestPageStatement,
    TestPageToggle,
    TestPageUploads,
)
from oro_invoices.testing.suite.test_profile import TestFeatureGating, TestInstall
from oro_invoices.testing.suite.test_ui import (
    TestEmailTemplates,
    TestLayout,
    TestMenu,
    TestOrderView,
    TestStorefront,
    TestUrls,
)

__all__ = [
    "TestConfigStore", "TestCustomers", "TestEmailTemplates", "TestFeatureGating",
    "TestHostShape", "TestInstall", "TestLayout", "TestMenu", "TestOrderView", "TestOrders",
    "TestOrganizations", "TestSettingsOverStore", "TestStorefront", "TestUrls", "TestUsers",
    "TestWebsites",
    "TestPageAccess", "TestPageAging", "TestPageDownloads", "TestPageForms", "TestPageHead",
    "TestPageListQuery", "TestPageLogin", "TestPageOrderTab", "TestPageRecordPayment",
    "TestPageSelection", "TestPageStatement", "TestPageToggle", "TestPageUploads",
]
