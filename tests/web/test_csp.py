"""The Content-Security-Policy of a page once it is wrapped in the host's layout."""
from __future__ import annotations

import base64
import hashlib

from oro_invoices.web.csp import allow_inline_scripts

POLICY = "default-src 'self'; script-src 'self' https://js.stripe.com; form-action 'self'"


def sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


MODULE = "\n  go('ü');\n"


def test_each_inline_script_is_allowed_by_its_hash_once_and_files_are_left_to_their_sources():
    layout = ("<script src='/static/app.js'></script><script>init();</script>"
              f"<SCRIPT type=\"module\">{MODULE}</SCRIPT ><script>init();</script>"
              "<script data-src=\"x\">late();</script>")
    assert allow_inline_scripts(POLICY, layout) == (
        f"default-src 'self'; script-src 'self' https://js.stripe.com {sha256('init();')} "
        f"{sha256(MODULE)} {sha256('late();')}; "
        "form-action 'self'")


def test_a_policy_without_inline_scripts_script_src_or_with_unsafe_inline_is_kept():
    assert allow_inline_scripts(POLICY, "<p>no scripts</p><script src='/a.js'></script>") == POLICY
    assert allow_inline_scripts("default-src 'self'", "<script>x()</script>") == "default-src 'self'"
    inline = "script-src 'self' 'unsafe-inline'; object-src 'none'"
    assert allow_inline_scripts(inline, "<script>x()</script>") == inline


def test_inline_event_handlers_are_allowed_by_their_hashes_with_unsafe_hashes():
    """As the browser reads the attribute (``&quot;`` is ``"``); a handler's words in the page's
    text are no handler."""
    layout = ('<a href="/basket/" onclick="go(&quot;basket&quot;); return false;">Basket</a>'
              "<button type=button ONCLICK='toggle()'>Menu</button><button onclick='toggle()'>More</button>"
              '<p>Write onclick="steal()" to see it</p><script>init();</script>')
    go = sha256('go("basket"); return false;')
    assert allow_inline_scripts(POLICY, layout) == (
        f"default-src 'self'; script-src 'self' https://js.stripe.com {sha256('init();')} 'unsafe-hashes' "
        f"{go} {sha256('toggle()')}; form-action 'self'")
    assert "unsafe-hashes" not in allow_inline_scripts(POLICY, "<script>init();</script>")
