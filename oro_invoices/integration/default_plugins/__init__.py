"""Built-in behaviour written as plugins, so that others can override or block it.

``DEFAULT_PLUGINS`` lists module names; ``plugins.get_plugin_manager`` registers
each under its module name (block one with ``blocked=[name]``).
"""

DEFAULT_PLUGINS: tuple[str, ...] = (
    "oro_invoices.integration.default_plugins.numbering",
    "oro_invoices.integration.default_plugins.oropay",
    "oro_invoices.integration.default_plugins.stripe_payments",
)
