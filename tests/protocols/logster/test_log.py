"""Logster's POST /api/Log over HTTP, on the real app and database: the seed's captured
request and answers byte for byte, its XML twin and the browser sample's form post,
grouping by .NET frames read back through the Rollbar API, every error path in Web
API's shape, and hostile bodies (XML bombs, XXE, deep nesting, oversize, NULs) after
which the server still serves."""

from __future__ import annotations

import gzip
import json
import re
import shlex
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update

from tests.support import LiveServer, ProjectInfo
from tests.web.conftest import make_user, sign_in
from tracehound.model.event import Event, Level, unpack_data
from tracehound.store import codec
from tracehound.store import tokens as token_store
from tracehound.store.tables import access_tokens
from tracehound.store.tables import occurrences as occurrence_table
from tracehound.web.snippets import snippets

# The seed's request body, byte for byte (../shared/seeds/001_fa16407dce07d621.txt).
SEED_BODY = b"""{
  "Exception": "System.ApplicationException: An unhandled widget exception occurred.",
  "Message": "Uh-oh, something happened.",
  "StackTrace": "   at Logster.Web.Api.Areas.HelpPage.App_Start.HelpPageConfig.Register(HttpConfiguration config) in Program.cs:line 42\\r\\n",
  "Severity": 4,
  "Category": "Widget Designer",
  "Application": "Your Awesome Application",
  "User": "john-doe"
}"""  # noqa: E501
# The same message as .NET's data-contract XML serializer writes it (logster-api.md §3.2).
SEED_XML = b"""<LogMessage xmlns="http://schemas.datacontract.org/2004/07/Logster.Core"
            xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <Application>Your Awesome Application</Application>
  <Category>Widget Designer</Category>
  <Exception>System.ApplicationException: An unhandled widget exception occurred.</Exception>
  <Message>Uh-oh, something happened.</Message>
  <Severity>4</Severity>
  <StackTrace>   at Logster.Web.Api.Areas.HelpPage.App_Start.HelpPageConfig.Register(HttpConfiguration config) in Program.cs:line 42&#xD;
</StackTrace>
  <User>john-doe</User>
</LogMessage>"""  # noqa: E501
# The seed's 400: Message missing and Severity out of range, in that order.
SEED_ERROR = (b'{"Message":"The request is invalid.","ModelState":{'
              b'"message.Message":["The Message field is required."],'
              b'"message.Severity":["The field Severity must be between 0 and 6."]}}')
SEED_INVALID_JSON = b'{"Exception": "System.ApplicationException: boom", "Severity": 9}'
SEED_INVALID_XML = (b'<LogMessage xmlns="http://schemas.datacontract.org/2004/07/Logster.Core">'
                    b"<Exception>System.ApplicationException: boom</Exception>"
                    b"<Severity>9</Severity></LogMessage>")
MESSAGE_ID = re.compile(rb'^\{"MessageId":"([0-9a-f]{32})"\}$')
JSON_TYPE = {"Content-Type": "application/json"}
XML_TYPE = {"Content-Type": "application/xml"}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
DENIED = {"Message": "Authorization has been denied for this request."}


def post(server: LiveServer, key: str | None, content: bytes | Any,
         headers: dict[str, str] | None = None, path: str = "/api/Log",
         **kw: Any) -> httpx.Response:
    h = {**({"ApiKey": key} if key else {}), **(headers or {})}
    if isinstance(content, dict):
        content, h = json.dumps(content).encode(), {**JSON_TYPE, **h}
    return server.http.post(server.url + path, content=content, headers=h, **kw)


def accepted(r: httpx.Response) -> str:
    """The seed's success: 200, exactly `{"MessageId":"..."}`, its headers."""
    assert r.status_code == 200, r.text
    match = MESSAGE_ID.match(r.content)
    assert match, r.content
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert (r.headers["cache-control"], r.headers["pragma"], r.headers["expires"]) == (
        "no-cache", "no-cache", "-1")
    assert r.headers["access-control-allow-origin"] == "*"
    return match.group(1).decode()


def invalid(r: httpx.Response) -> dict[str, list[str]]:
    """A Web API 400: `{"Message": "The request is invalid.", "ModelState": {...}}`."""
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    body = r.json()
    assert list(body) == ["Message", "ModelState"] and body["Message"] == \
        "The request is invalid.", body
    for errors in body["ModelState"].values():
        assert errors and all(isinstance(e, str) and e for e in errors)
    return dict(body["ModelState"])


def unreadable(r: httpx.Response, contains: str) -> None:
    """A body that could not be read at all: the reason under the key `message`."""
    state = invalid(r)
    assert list(state) == ["message"] and contains in state["message"][0], state


def stored(server: LiveServer, engine: Engine, project: ProjectInfo) -> list[Event]:
    server.wait_digested()
    with engine.connect() as conn:
        rows = conn.execute(select(occurrence_table).where(
            occurrence_table.c.project_id == project.id).order_by(occurrence_table.c.id)).all()
    return [codec.unpack(row.payload) for row in rows]


def items_of(server: LiveServer, project: ProjectInfo, **params: Any) -> list[dict[str, Any]]:
    server.wait_digested()
    r = server.get("/api/1/items/", project.read, **params)
    assert r.status_code == 200, r.text
    return list(r.json()["result"]["items"])


def still_serving(server: LiveServer, project: ProjectInfo) -> None:
    accepted(post(server, project.post, {"Message": "still serving", "Severity": 2}))
    assert server.http.get(server.url + "/health").status_code == 200


# --- the seed --------------------------------------------------------------------------

def test_seed_request_json(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    r = post(server, project.post, SEED_BODY, {**JSON_TYPE, "Accept": "*/*",
                                               "Origin": "chrome-extension://fhbjgb",
                                               "Cache-Control": "no-cache"})
    message_id = accepted(r)
    # the MessageId reads back as the occurrence through the Rollbar API
    server.wait_digested()
    found = server.get("/api/1/item/", project.read, uuid=message_id)
    assert found.status_code == 200, found.text
    item = found.json()["result"]
    assert item["title"] == ("System.ApplicationException: An unhandled widget exception "
                             "occurred.")
    assert (item["level"], item["environment"], item["framework"], item["language"]) == (
        "error", "production", "logster", "csharp")
    instances = server.get(f"/api/1/item/{item['id']}/instances", project.read).json()
    (instance,) = instances["result"]["instances"]
    assert instance["data"] == json.loads(SEED_BODY)  # the message as sent, served back
    (event,) = stored(server, engine, project)
    assert event.uuid == message_id and event.vendor == "logster"
    assert event.message == "Uh-oh, something happened."
    assert event.context == "Widget Designer"
    assert event.person is not None and event.person.id == "john-doe"
    assert event.tags == {"application": "Your Awesome Application"}
    (exc,) = event.exceptions
    assert (exc.type, exc.message) == ("System.ApplicationException",
                                       "An unhandled widget exception occurred.")
    (frame,) = exc.frames
    assert (frame.filename, frame.lineno, frame.module, frame.method, frame.in_app) == (
        "Program.cs", 42, "Logster.Web.Api.Areas.HelpPage.App_Start.HelpPageConfig",
        "Logster.Web.Api.Areas.HelpPage.App_Start.HelpPageConfig.Register("
        "HttpConfiguration config)", True)
    # Category, User and Application are searchable; the MessageId too
    for query in ['context:"Widget Designer"', "person:john-doe", "username:john-doe",
                  'tag.application:"Your Awesome Application"', f"reference:{message_id}",
                  "type:System.ApplicationException", "level:error"]:
        assert [i["id"] for i in items_of(server, project, query=query)] == [item["id"]], query


def test_seed_error_json(server: LiveServer, project: ProjectInfo) -> None:
    r = post(server, project.post, SEED_INVALID_JSON, JSON_TYPE)
    invalid(r)
    assert r.content == SEED_ERROR
    assert r.headers["cache-control"] == "no-cache" and r.headers["expires"] == "-1"


def test_seed_request_and_error_xml(server: LiveServer, engine: Engine,
                                    project: ProjectInfo) -> None:
    message_id = accepted(post(server, project.post, SEED_XML, XML_TYPE))
    r = post(server, project.post, SEED_INVALID_XML, {"Content-Type": "text/xml"})
    invalid(r)
    assert r.content == SEED_ERROR
    (event,) = stored(server, engine, project)
    assert event.uuid == message_id
    assert unpack_data(event.data) == json.loads(SEED_BODY)  # the JSON twin's payload
    assert event.exceptions[0].frames[0].lineno == 42 and event.level == Level.ERROR
    assert event.context == "Widget Designer" and event.tags["application"] == \
        "Your Awesome Application"


def test_xml_is_read_leniently(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    body = (b'<?xml version="1.0" encoding="utf-8"?>'
            b'<Whatever xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
            b"<user>ada</user><SEVERITY>Warning</SEVERITY><Category i:nil=\"true\"/>"
            b"<message>disk &lt;90%&gt; full</message><Extra>kept</Extra></Whatever>")
    accepted(post(server, project.post, body, {"Content-Type": "text/xml; charset=utf-8"}))
    (event,) = stored(server, engine, project)
    assert (event.message, event.level, event.context) == ("disk <90%> full",
                                                          Level.WARNING, None)
    assert unpack_data(event.data) == {"Message": "disk <90%> full", "Severity": 3,
                                       "User": "ada", "Extra": "kept"}


def test_form_body_of_the_browser_sample(server: LiveServer, engine: Engine,
                                         project: ProjectInfo) -> None:
    # the Cordova sample's jQuery $.post: a preflight (custom ApiKey header), then a form
    pre = server.http.options(server.url + "/api/Log", headers={
        "Origin": "file://", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "apikey"})
    assert pre.status_code in (200, 204)
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "POST" in pre.headers["access-control-allow-methods"]
    assert "apikey" in pre.headers["access-control-allow-headers"].lower()
    body = b"Message=app+loaded&Severity=2&Category=Mobile&Application=Shop.App&User=ada"
    message_id = accepted(post(server, project.post, body, {**FORM_TYPE, "Origin": "file://"}))
    (item,) = items_of(server, project)
    assert (item["title"], item["level"]) == ("app loaded", "info")
    (event,) = stored(server, engine, project)
    assert event.uuid == message_id and event.context == "Mobile"
    assert unpack_data(event.data) == {"Message": "app loaded", "Severity": 2,
                                       "Category": "Mobile", "Application": "Shop.App",
                                       "User": "ada"}
    # a bad form is a 400 like any other body
    assert invalid(post(server, project.post, b"Severity=loud", FORM_TYPE)) == {
        "message.Message": ["The Message field is required."],
        "message.Severity": ["Error converting value \"loud\" to type "
                             "'Logster.Core.Severity'. Path 'Severity'."]}


def test_the_settings_page_snippet_posts(server: LiveServer, project: ProjectInfo) -> None:
    """The curl command the web UI shows (docs/web-snippets.md) works as shown."""
    (snippet,) = [s for s in snippets(server.settings.replace(public_url=server.url),
                                      project_id=project.id, token=project.post)
                  if s.vendor == "logster"]
    args = shlex.split(snippet.code.replace("\\\n", " "))
    assert args[:3] == ["curl", "-X", "POST"]
    headers = dict(h.split(": ", 1) for flag, h in zip(args, args[1:], strict=False)
                   if flag == "-H")
    data = args[args.index("-d") + 1].encode()
    r = server.http.post(args[3], content=data, headers=headers)
    accepted(r)
    (item,) = items_of(server, project)
    assert (item["title"], item["level"]) == ("Hello from Logster", "error")


@pytest.mark.parametrize("path", ["/api/log", "/API/LOG/", "/api/Log/", "/Api/lOg"])
def test_path_is_case_insensitive_with_optional_slash(server: LiveServer, project: ProjectInfo,
                                                      path: str) -> None:
    accepted(post(server, project.post, {"Message": "routed"}, path=path))


def test_field_names_and_severity_names_any_case(server: LiveServer, engine: Engine,
                                                 project: ProjectInfo) -> None:
    accepted(post(server, project.post, {"message": "a", "SEVERITY": "error",
                                         "stacktrace": "   at A.B() in b.cs:line 1",
                                         "exception": "System.Exception: a",
                                         "user": "ada@example.com", "category": "c"}))
    accepted(post(server, project.post, {"mEsSaGe": "b", "severity": "5"}))
    accepted(post(server, project.post, {"Message": "c", "Severity": "Warn"}))
    accepted(post(server, project.post, {"Message": "d"}))  # no Severity: info
    accepted(post(server, project.post, {"Message": "e", "Exception": "System.X: e"}))
    # one digest batch need not store them in the order they were posted
    first, second, third, fourth, fifth = sorted(stored(server, engine, project),
                                                 key=lambda e: e.message or "")
    assert first.level == Level.ERROR and first.exceptions[0].frames[0].method == "A.B()"
    assert first.person is not None and first.person.email == "ada@example.com"
    assert [e.level for e in (second, third, fourth, fifth)] == [
        Level.CRITICAL, Level.WARNING, Level.INFO, Level.ERROR]
    assert [n.path for n in fourth.notes] == ["Severity"]


# --- grouping --------------------------------------------------------------------------

def _thrown(line: int, method: str = "Total", build: str = "C:\\agent\\_work\\3") -> dict[str, Any]:
    return {
        "Exception": "System.InvalidOperationException: Sequence contains no elements",
        "Message": "Checkout failed",
        "StackTrace": (f"   at System.Linq.Enumerable.First[TSource](IEnumerable`1 source)\r\n"
                       f"   at Shop.Cart.{method}() in {build}\\Shop\\Cart.cs:line {line}\r\n"
                       f"   at Shop.CheckoutController.Post() in {build}\\Shop\\"
                       f"CheckoutController.cs:line {line + 23}\r\n"),
        "Severity": 4, "Category": "Checkout", "Application": "Shop.Web", "User": "ada"}


def test_same_exception_at_other_lines_groups_other_method_apart(
        server: LiveServer, project: ProjectInfo) -> None:
    accepted(post(server, project.post, _thrown(17)))
    # the same code after an edit, built on another agent: other lines, other paths
    accepted(post(server, project.post, _thrown(29, build="D:\\a\\1\\s")))
    accepted(post(server, project.post, _thrown(17, method="Subtotal")))
    items = items_of(server, project)
    counts = sorted(i["total_occurrences"] for i in items)
    assert counts == [1, 2], items
    grouped = next(i for i in items if i["total_occurrences"] == 2)
    key = grouped["fingerprint_key"]
    assert "Shop.Cart.Total()" in key and "line" not in key and "agent" not in key
    # the framework frame (System.*) is not in-app: it does not take part in the key
    assert "System.Linq" not in key


def test_stackless_exceptions_group_by_type_and_message(server: LiveServer,
                                                        project: ProjectInfo) -> None:
    for exc in ("System.TimeoutException: The operation timed out after 30 s",
                "System.TimeoutException: The operation timed out after 45 s",
                "System.IO.IOException: Disk full"):
        accepted(post(server, project.post, {"Message": "failed", "Exception": exc}))
    assert sorted(i["total_occurrences"] for i in items_of(server, project)) == [1, 2]


def test_tostring_chain_with_inner_exception(server: LiveServer, engine: Engine,
                                             project: ProjectInfo) -> None:
    text = ("System.InvalidOperationException: Checkout failed ---> "
            "System.ArgumentException: Bad quantity\r\n"
            "   at Shop.Cart.Add(Int32 qty) in Cart.cs:line 10\r\n"
            "   --- End of inner exception stack trace ---\r\n"
            "   at Shop.Checkout.Run() in Checkout.cs:line 20")
    accepted(post(server, project.post, {"Message": "x", "Exception": text, "Severity": 4}))
    (event,) = stored(server, engine, project)
    assert [(e.type, [f.method for f in e.frames]) for e in event.exceptions] == [
        ("System.InvalidOperationException", ["Shop.Checkout.Run()"]),
        ("System.ArgumentException", ["Shop.Cart.Add(Int32 qty)"])]


def test_web_item_page_shows_the_frames_and_escapes_the_data(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    xss = "<script>alert(1)</script>"
    accepted(post(server, project.post, {
        **_thrown(17), "Message": f"Checkout failed {xss}", "Category": xss, "User": xss,
        "Exception": "System.InvalidOperationException: bad <img src=x onerror=alert(1)>"}))
    (item,) = items_of(server, project)
    user = make_user(engine, project.account_id, "ada@example.com")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert sign_in(client, user.email, user.password).status_code == 303
        page = client.get(f"/projects/{project.id}/items/{item['counter']}")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "Shop.Cart.Total()" in page.text and "Cart.cs" in page.text


# --- errors ----------------------------------------------------------------------------

def test_api_key(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    body = {"Message": "x"}
    for key in (None, "", "0" * 32, "<script>alert(1)</script>", project.post + "x"):
        r = post(server, key, body)
        assert (r.status_code, r.json()) == (401, DENIED), key
        assert r.headers["content-type"] == "application/json; charset=utf-8"
    # only the ApiKey header carries it
    r = post(server, None, body, {"X-Rollbar-Access-Token": project.post,
                                  "Authorization": f"Bearer {project.post}"})
    assert r.status_code == 401
    assert post(server, None, body, path=f"/api/Log?apikey={project.post}").status_code == 401
    # header names are case-insensitive; the post_client_item token may post too
    accepted(post(server, None, body, {"apikey": project.client}))
    # a token that may not post: 403
    with engine.begin() as conn:
        account = token_store.create_token(conn, account_id=project.account_id,
                                           project_id=None, name="acct",
                                           scopes=["read", "write", "post_server_item"])
    for key in (project.read, account):
        r = post(server, key, body)
        assert r.status_code == 403 and "cannot post" in r.json()["Message"], r.text
    # a disabled token (never used before, so not in the token cache): 401
    with engine.begin() as conn:
        off = token_store.create_token(conn, account_id=project.account_id,
                                       project_id=project.id, name="off",
                                       scopes=["post_server_item"])
        conn.execute(update(access_tokens).where(access_tokens.c.token == off)
                     .values(status="disabled"))
    assert (post(server, off, body).status_code, post(server, off, body).json()) == (401, DENIED)
    still_serving(server, project)


def test_validation_errors_name_each_field(server: LiveServer, project: ProjectInfo) -> None:
    assert invalid(post(server, project.post, {"Message": {"a": 1}, "Severity": "loudest",
                                               "Category": [1], "User": "ok"})) == {
        "message.Message": ["Unexpected character encountered while parsing value: {. "
                            "Path 'Message'."],
        "message.Severity": ["Error converting value \"loudest\" to type "
                             "'Logster.Core.Severity'. Path 'Severity'."],
        "message.Category": ["Unexpected character encountered while parsing value: [. "
                             "Path 'Category'."]}
    for severity in (-1, 7, 2**40, "99999999999999999999", "-3"):
        assert invalid(post(server, project.post, {"Message": "m", "Severity": severity})) == {
            "message.Severity": ["The field Severity must be between 0 and 6."]}, severity
    for severity in (True, 2.5, [], {}):
        assert list(invalid(post(server, project.post, {"Message": "m",
                                                        "Severity": severity}))) == [
            "message.Severity"], severity
    for message in ("", "   ", None):
        assert invalid(post(server, project.post, {"Message": message})) == {
            "message.Message": ["The Message field is required."]}
    assert list(invalid(post(server, project.post, b"<LogMessage><Message><b>x</b></Message>"
                             b"</LogMessage>", XML_TYPE))) == ["message.Message"]
    # an empty body binds no field: the Message is missing
    for headers in (JSON_TYPE, XML_TYPE, FORM_TYPE, {}):
        assert invalid(post(server, project.post, b"", headers)) == {
            "message.Message": ["The Message field is required."]}, headers
    still_serving(server, project)


def test_unreadable_bodies_are_400_model_state(server: LiveServer, project: ProjectInfo) -> None:
    unreadable(post(server, project.post, b'{"Message": "x",', JSON_TYPE), "not valid JSON")
    unreadable(post(server, project.post, b"Message=x", JSON_TYPE), "not valid JSON")
    unreadable(post(server, project.post, b"[1, 2]", JSON_TYPE), "JSON array")
    unreadable(post(server, project.post, b'"text"', JSON_TYPE), "Error converting value")
    unreadable(post(server, project.post, b"<LogMessage><Message>x</Message>", XML_TYPE),
               "not well-formed")
    unreadable(post(server, project.post, b"<a>&undefined;</a>", XML_TYPE), "not well-formed")
    unreadable(post(server, project.post, b'{"Message": "x"}', XML_TYPE), "not well-formed")
    unreadable(post(server, project.post, b"\xff\xfe\xfd", {"Content-Type":
                                                          "application/json"}),
               "not valid JSON")
    unreadable(post(server, project.post, b"\x1f\x8bnot gzip",
                    {**JSON_TYPE, "Content-Encoding": "gzip"}), "could not decompress")
    r = post(server, project.post, b"\x89PNG", {"Content-Type": "image/png"})
    assert r.status_code == 415
    assert r.json()["Message"] == ("The request entity's media type 'image/png' is not "
                                   "supported for this resource.")
    # no Content-Type, or text/plain: the body says what it is
    accepted(post(server, project.post, b'{"Message": "sniffed json"}'))
    accepted(post(server, project.post, b"<L><Message>sniffed xml</Message></L>",
                  {"Content-Type": "text/plain"}))
    accepted(post(server, project.post, b"Message=sniffed+form"))
    still_serving(server, project)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<LogMessage><Message>&lol9;</Message></LogMessage>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE LogMessage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<LogMessage><Message>&xxe;</Message></LogMessage>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE LogMessage [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<LogMessage><Message>x</Message></LogMessage>"""
EXTERNAL_DTD = (b'<?xml version="1.0"?><!DOCTYPE LogMessage SYSTEM "file:///etc/passwd">'
                b"<LogMessage><Message>x</Message></LogMessage>")
INTERNAL_DTD = (b"<!DOCTYPE LogMessage [<!ELEMENT LogMessage ANY>]>"
                b"<LogMessage><Message>x</Message></LogMessage>")
DEEP = b"<LogMessage><Message>x</Message>" + b"<a>" * 50_000 + b"</a>" * 50_000 + \
    b"</LogMessage>"
WIDE = b"<LogMessage><Message>x</Message>" + b"<e>1</e>" * 5_000 + b"</LogMessage>"


@pytest.mark.parametrize("body,reason", [
    (BILLION_LAUGHS, "document type declaration"), (XXE, "document type declaration"),
    (PARAMETER_ENTITY, "document type declaration"), (EXTERNAL_DTD, "document type"),
    (INTERNAL_DTD, "document type declaration"), (DEEP, "nested more than"),
    (WIDE, "more than 1000 elements")], ids=["billion-laughs", "xxe", "parameter-entity",
                                             "external-dtd", "internal-dtd", "deep", "wide"])
def test_hostile_xml_is_refused_and_the_server_keeps_serving(
        server: LiveServer, engine: Engine, project: ProjectInfo, body: bytes,
        reason: str) -> None:
    r = post(server, project.post, body, XML_TYPE, timeout=10)
    unreadable(r, reason)
    assert r.elapsed.total_seconds() < 2
    assert b"root:" not in r.content
    still_serving(server, project)
    (event,) = stored(server, engine, project)  # only the good post was stored
    assert event.message == "still serving"


def test_oversize_is_413(server: LiveServer, project: ProjectInfo) -> None:
    limit = server.settings.max_body_bytes
    for body, headers in ((json.dumps({"Message": "x" * limit}).encode(), JSON_TYPE),
                          (b"<L><Message>" + b"x" * limit + b"</Message></L>", XML_TYPE),
                          (b"Message=" + b"x" * limit, FORM_TYPE)):
        r = post(server, project.post, body, headers)
        assert r.status_code == 413 and r.json()["Message"], r.text
    bomb = gzip.compress(b'{"Message": "' + b"a" * (100 * 1024 * 1024) + b'"}')
    r = post(server, project.post, bomb, {**JSON_TYPE, "Content-Encoding": "gzip"}, timeout=5)
    assert r.status_code == 413 and r.elapsed.total_seconds() < 1.0
    # a gzip body within the limit is read
    accepted(post(server, project.post, gzip.compress(b'{"Message": "zipped"}'),
                  {**JSON_TYPE, "Content-Encoding": "gzip"}))
    still_serving(server, project)


def test_nul_characters_and_markup_are_stored_not_refused(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    accepted(post(server, project.post, {
        "Message": "a\u0000b <script>alert(1)</script>", "Severity": 4,
        "Exception": "System.Exception\u0000X: bad\u0000", "Category": "\u0000cat",
        "Application": "app\u0000", "User": "\u0000",
        "StackTrace": "   at A.B\u0000() in x.cs:line 1",
        "Note\u0000": "kept\u0000"}))
    accepted(post(server, project.post, b"Message=%00form%00&User=%00bob", FORM_TYPE))
    first, second = sorted(stored(server, engine, project), key=lambda e: e.message or "")
    assert first.message == "ab <script>alert(1)</script>"
    assert (first.context, first.tags, first.person) == ("cat", {"application": "app"}, None)
    assert unpack_data(first.data)["Note\u0000"] == "kept\u0000"  # the payload as sent
    assert second.message == "form" and second.person is not None \
        and second.person.id == "bob"
    assert [i["title"] for i in items_of(server, project, query="person:bob")] == ["form"]
    still_serving(server, project)


def test_other_methods_and_paths(server: LiveServer, project: ProjectInfo) -> None:
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        r = server.http.request(method, server.url + "/api/Log",
                                headers={"ApiKey": project.post})
        assert r.status_code == 405 and r.headers["allow"] == "POST, OPTIONS"
        assert r.json() == {"Message": "The requested resource does not support http "
                                       f"method '{method}'."}
    r = server.http.post(server.url + "/api/Log/7", headers={"ApiKey": project.post})
    assert r.status_code == 404 and "Message" in r.json()


def test_rate_limit_is_429(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    with engine.begin() as conn:
        conn.execute(update(access_tokens).where(access_tokens.c.token == project.post)
                     .values(rate_limit_window_size=60, rate_limit_window_count=1))
    accepted(post(server, project.post, {"Message": "one"}))
    r = post(server, project.post, {"Message": "two"})
    assert r.status_code == 429 and "rate limit" in r.json()["Message"]
    assert 0 < int(r.headers["retry-after"]) <= 60
    assert r.headers["access-control-allow-origin"] == "*"


ODD = [
    b"", b"{}", b"null", b"[]", b"0", b"\x00", b"<", b"<a/>", b"=", b"&&&", b"Message",
    b'{"Message": "x", "Extra": {"deep": [1, {"a": null}]}}',
    b'{"Message": "x", "Severity": 1e400}', b'{"Message": "x", "Severity": 18446744073709551616}',
    b'{"' + b"k" * 5000 + b'": 1, "Message": "x"}', b"\xef\xbb\xbf{\"Message\": \"bom\"}",
    b'{"Message": "x", "Extra": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    b"<L><Message>x</Message><Severity i:nil='true' xmlns:i='urn:x'/></L>",
    b"Message=x&Message=y&Severity=&Severity=1", b"\xff\xfe<\x00L\x00/\x00>\x00"]


def test_no_500_for_odd_input(server: LiveServer, project: ProjectInfo) -> None:
    for content in ODD:
        for content_type in ("application/json", "text/xml",
                             "application/x-www-form-urlencoded; charset=utf-16", ""):
            r = post(server, project.post, content,
                     {"Content-Type": content_type} if content_type else {})
            assert r.status_code in (200, 400), (content, content_type, r.text)
            assert r.headers["content-type"] == "application/json; charset=utf-8"
            body = r.json()
            assert ("MessageId" in body) if r.status_code == 200 else "ModelState" in body
    still_serving(server, project)
