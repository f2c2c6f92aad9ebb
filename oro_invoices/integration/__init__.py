"""Integration with a host and with plugins: configuration, feature toggles, the install profile, hooks.

``config`` validates and resolves settings declared in ``config_schema.yaml`` over the host's
config store; ``features`` answers whether the add-on is enabled for a scope; ``profile`` installs
and uninstalls what the add-on contributes to a host; ``hookspecs`` and ``plugins`` are the pluggy
extension points and the plugin manager; ``default_plugins`` holds the built-in implementations.
"""
