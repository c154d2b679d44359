"""NUL characters in event text: PostgreSQL's text columns refuse U+0000, so an event
carrying one must still be stored (normalize removes them, with a note) and must not
stall the digest for the events queued behind it."""

from __future__ import annotations

from tests.support import LiveServer, ProjectInfo

NUL = "\u0000"


def test_event_with_nul_everywhere_is_stored_and_does_not_block_others(
        server: LiveServer, project: ProjectInfo) -> None:
    hostile = {
        "environment": f"prod{NUL}uction",
        "level": "error",
        "code_version": f"1.0{NUL}",
        "context": f"ctx{NUL}",
        "person": {"id": f"u{NUL}1", "username": f"ada{NUL}", "email": f"a{NUL}@b.c"},
        "server": {"host": f"web{NUL}1"},
        "custom": {f"k{NUL}": f"v{NUL}"},
        "body": {"trace": {
            "exception": {"class": f"Odd{NUL}Error", "message": f"bad{NUL}thing"},
            "frames": [{"filename": f"app{NUL}.py", "lineno": 3,
                        "method": f"run{NUL}"}]}},
    }
    r = server.post_item(project.post, hostile)
    assert r.status_code == 200, r.text
    r = server.post_item(project.post, {"environment": "production",
                                        "body": {"message": {"body": "after the NUL"}}})
    assert r.status_code == 200, r.text
    server.wait_digested()

    items = server.get("/api/1/items/", project.read, status="active").json()["result"]
    titles = {i["title"] for i in items["items"]}
    assert "after the NUL" in titles
    odd = [t for t in titles if t.startswith("Odd")]
    assert odd == ["OddError: badthing"], titles
    item = next(i for i in items["items"] if i["title"] == odd[0])
    assert item["environment"] == "production"
    # searching with a NUL in the query is a query, not a server error
    r = server.get("/api/1/items/", project.read, query=f"Odd{NUL}Error")
    assert r.status_code in (200, 422), r.text


def test_nul_in_rest_api_text_is_a_clear_422(server: LiveServer,
                                             project: ProjectInfo) -> None:
    r = server.http.post(server.url + "/api/1/deploy/", json={
        "access_token": project.post, "environment": "production",
        "revision": f"abc{NUL}123", "comment": f"hot{NUL}fix"})
    assert r.status_code == 422, r.text
    assert "'revision' key must not contain NUL characters" in r.json()["message"]
