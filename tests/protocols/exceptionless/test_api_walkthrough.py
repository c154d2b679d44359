"""The seed's walkthrough of the Exceptionless API (000_7ed55fe33feb578b.txt), as one
HTTP conversation: log in, list organizations and projects, make a user-scoped project
token, post a log event with a reference id, get it back by reference id and through a
search filter; query-string authentication works as the bearer header does."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.protocols.exceptionless.api_support import (
    bearer,
    get,
    login,
    make_user,
    post_events,
    send,
)
from tests.support import LiveServer, ProjectInfo
from tracehound.protocols.exceptionless import ids


def test_the_seed_walkthrough(server: LiveServer, engine: Engine,
                              project: ProjectInfo) -> None:
    user = make_user(engine, project.account_id)

    # Get your user scoped token: POST /api/v2/auth/login
    me = login(server, user)

    # Get organizations and projects
    orgs = get(server, "/api/v2/organizations", me)
    assert orgs.status_code == 200
    assert [o["id"] for o in orgs.json()] == [ids.encode(project.account_id)]
    projects = get(server, "/api/v2/projects", me)
    assert projects.status_code == 200
    [app] = projects.json()
    assert app["id"] == ids.encode(project.id) and app["name"] == "app"

    # Get a new token: POST /api/v2/projects/{projectId}/tokens with scope "user"
    made = send(server, "POST", f"/api/v2/projects/{app['id']}/tokens", me,
                {"scopes": ["user"], "notes": "dashboard"})
    assert made.status_code == 201, made.text
    token = made.json()["id"]
    assert made.json()["scopes"] == ["client", "user"]

    # Posting an event: a simple log event with a reference id → 202
    post_events(server, token, {"type": "log", "message": "Exceptionless is amazing!",
                                "reference_id": "walkthrough-1234", "source": "seed",
                                "date": "2030-01-01T12:00:00.0000000-05:00"})
    server.wait_digested()

    # Get event by reference id: GET /api/v2/events/by-ref/{referenceId}
    by_ref = get(server, "/api/v2/events/by-ref/walkthrough-1234", token)
    assert by_ref.status_code == 200, by_ref.text
    [event] = by_ref.json()
    assert event["reference_id"] == "walkthrough-1234"
    assert event["message"] == "Exceptionless is amazing!"
    assert event["type"] == "log" and event["source"] == "seed"
    assert event["project_id"] == app["id"]
    assert event["organization_id"] == ids.encode(project.account_id)
    assert event["is_first_occurrence"] is True
    assert len(event["id"]) == len(event["stack_id"]) == 24

    # Getting the event via a search filter: GET /api/v2/events?filter=reference:...
    found = get(server, "/api/v2/events", token, filter="reference:walkthrough-1234")
    assert found.status_code == 200
    assert found.json() == [event]
    assert get(server, "/api/v2/events", token,
               filter="reference:walkthrough-9999").json() == []

    # Query-string authentication works the same as bearer authentication
    for path in ("/api/v2/organizations", "/api/v2/projects",
                 "/api/v2/events/by-ref/walkthrough-1234", f"/api/v2/events/{event['id']}"):
        with_header = server.http.get(server.url + path, headers=bearer(token))
        with_query = server.http.get(server.url + path, params={"access_token": token})
        assert with_header.status_code == with_query.status_code == 200, path
        assert with_header.json() == with_query.json(), path
    assert get(server, f"/api/v2/events/{event['id']}", token).json() == event
