"""Sign-in, role scopes, 401/403 handling and the language switch, in a real browser."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.hub.web.conftest import Tab
from tests.hub.web.harness import scene, store
from tests.hub.web.shots import screenshot

# user -> (console they land on, alert types in their queue or communities in their overview)
ROLES: dict[str, tuple[str, set[str]]] = {
    "admin": ("duty", {"gas_alarm", "falling_object", "water_leak", "smoke"}),
    "one-duty": ("duty", {"gas_alarm", "falling_object", "water_leak"}),
    "two-duty": ("duty", {"smoke"}),
    "one-security": ("security", {"gas_alarm", "falling_object", "water_leak"}),
    "carer": ("care", {"water_leak"}),  # only the assigned resident's
    "street": ("street", {"c-one", "c-two"}),
    "auditor": ("street", {"c-one", "c-two"}),
}


def shown(tab: Tab, page: str) -> set[str]:
    """Alert types in the queue, or communities in the street overview."""
    if page == "street":
        tab.page.wait_for_selector("tr[data-community]")
        cells = tab.page.locator("tr[data-community]")
        return {cells.nth(i).get_attribute("data-community") or "" for i in range(cells.count())}
    tab.page.wait_for_selector("li.alert")
    rows = tab.page.locator("li.alert")
    return {rows.nth(i).get_attribute("data-type") or "" for i in range(rows.count())}


def test_each_role_lands_on_its_console_and_sees_only_its_scope(tab: Tab) -> None:
    store(tab.hub.database_url, scene())
    for user, (page, expected) in ROLES.items():
        tab.sign_in(user, expect_page=page)
        assert shown(tab, page) == expected, user
        if user == "auditor":  # reads, never acts
            assert tab.page.locator("button[data-action]").count() == 0
        tab.page.click("#signout")
        tab.page.wait_for_url(f"{tab.hub.origin}/console/")
        assert tab.page.evaluate("sessionStorage.getItem('sc.token')") is None
    assert tab.requests
    assert tab.foreign_requests() == []


def test_a_console_of_another_role_says_so(tab: Tab) -> None:
    tab.sign_in("carer", expect_page="care")
    tab.page.goto(f"{tab.hub.origin}/console/duty")
    notice = tab.page.locator(".notice")
    assert "此值班台不适用于您的角色" in notice.inner_text()
    assert notice.locator("a").get_attribute("href") == "/console/care"
    assert not any("/api/v1/sites" in u for u in tab.requests)


def test_wrong_password_is_refused_on_the_page(tab: Tab, tmp_path: Path) -> None:
    tab.page.goto(f"{tab.hub.origin}/console/")
    tab.page.wait_for_selector("main[aria-busy=false]")
    screenshot(tab.page, "signin", tmp_path)
    tab.page.fill("input[name=username]", "one-duty")
    tab.page.fill("input[name=password]", "not-the-password")
    tab.page.click("button[type=submit]")
    expect(tab.page.locator("#banner")).to_have_text("用户名或密码错误")
    assert tab.page.url == f"{tab.hub.origin}/console/"


def test_401_returns_to_sign_in_with_a_message(tab: Tab) -> None:
    tab.sign_in("one-duty", expect_page="duty")
    tab.page.evaluate("sessionStorage.setItem('sc.token', 'forged.token.value')")
    tab.page.reload()
    tab.page.wait_for_url(f"{tab.hub.origin}/console/")
    expect(tab.page.locator("#banner")).to_have_text("登录已过期，请重新登录")
    assert tab.page.evaluate("sessionStorage.getItem('sc.token')") is None


def test_403_shows_a_clear_message_and_stays(tab: Tab) -> None:
    tab.sign_in("one-duty", expect_page="duty")
    status = tab.page.evaluate(
        """async () => {
            const { api } = await import("/console/static/api.js");
            const { showError } = await import("/console/static/ui.js");
            try { await api("/api/v1/audit"); return 200; }
            catch (error) { showError(error); return error.status; }
        }"""
    )
    assert status == 403
    text = tab.page.locator("#banner").inner_text()
    assert text.startswith("无权限：您的角色不能查看或操作此内容")
    assert "community_officer" in text  # the hub's reason is kept
    assert tab.page.url.endswith("/console/duty")


def test_language_switch_is_remembered(tab: Tab, tmp_path: Path) -> None:
    store(tab.hub.database_url, scene())
    tab.sign_in("one-duty", expect_page="duty")
    assert tab.page.locator(".console-name").inner_text() == "社区值班台"
    tab.page.click("#lang")
    tab.page.wait_for_selector("li.alert")
    assert tab.page.locator(".console-name").inner_text() == "Community duty console"
    assert "Gas leak" in tab.page.locator("li[data-type=gas_alarm]").inner_text()
    assert tab.page.evaluate("document.documentElement.lang") == "en"
    screenshot(tab.page, "duty-en", tmp_path)
    tab.page.reload()
    tab.page.wait_for_selector("li.alert")
    assert tab.page.locator("#lang").inner_text() == "中文"
    tab.page.click("#lang")
    tab.page.wait_for_selector("li.alert")
    assert tab.page.locator(".console-name").inner_text() == "社区值班台"


def test_both_dictionaries_have_every_string(tab: Tab) -> None:
    tab.page.goto(f"{tab.hub.origin}/console/")
    keys = tab.page.evaluate(
        """async () => {
            const { STRINGS } = await import("/console/static/i18n.js");
            return [Object.keys(STRINGS.zh).sort(), Object.keys(STRINGS.en).sort()];
        }"""
    )
    assert keys[0] == keys[1]
    assert len(keys[0]) > 150


def test_an_open_console_renews_its_token(tab: Tab) -> None:
    tab.page.clock.install()
    tab.sign_in("one-duty", expect_page="duty")
    first = tab.page.evaluate("sessionStorage.getItem('sc.token')")
    # Ten minutes on the page's clock: the console asks the hub for a fresh token.
    with tab.page.expect_response("**/api/v1/auth/refresh") as renewal:
        tab.page.clock.run_for("10:01")
    assert renewal.value.status == 200
    expect(tab.page.locator("main")).to_have_attribute("aria-busy", "false")
    fresh = renewal.value.json()["access_token"]
    # Saved for every later call (equal to the first only if issued in the same second).
    expect_token = tab.page.evaluate("sessionStorage.getItem('sc.token')")
    assert expect_token == fresh and first
    assert tab.page.url.endswith("/console/duty")  # still signed in, no reload
