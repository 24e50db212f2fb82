"""The Decidim client against a local server on Decidim 0.27's schema (every query validated
with graphql-core): budgets past one page, projects in fi/sv/en, accountability results, schema
variants, and each fault ending in a clear SourceError."""

from __future__ import annotations

import httpx
import pytest

from arservice.errors import InputError
from arservice.pb.decidim import DecidimRead, DecidimSite, site_and_endpoint
from arservice.pb.errors import SourceError
from arservice.pb.graphql import GraphQLClient, Politeness
from tests.support.decidim_server import DecidimServer, Variant, running_decidim


class FakeTime:
    """A clock that moves only when the client sleeps: the whole retry schedule, no waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def read(
    server: DecidimServer,
    component: str = "10",
    *,
    time: FakeTime | None = None,
    timeout: float = 10.0,
    politeness: Politeness | None = None,
    **options: str,
) -> DecidimRead:
    time = time or FakeTime()
    with httpx.Client(timeout=timeout) as http:
        client = GraphQLClient(
            http, server.api, politeness=politeness, clock=time.clock, sleep=time.sleep
        )
        return DecidimSite(client, server.url).read(component, **options)  # type: ignore[arg-type]


def by_key(found: DecidimRead) -> dict[str, object]:
    return {project.key: project for project in found.projects}


def test_every_budget_is_read_past_the_first_page(decidim: DecidimServer) -> None:
    found = read(decidim)
    assert [budget.id for budget in found.budgets] == ["1", "2", "3", "4", "5"]
    assert sorted(by_key(found)) == [str(key) for key in range(101, 109)]
    budget_pages = [query for query in decidim.queries if "query Budgets" in query]
    assert len(budget_pages) == 3  # page size 2 on the server: 2 + 2 + 1


def test_projects_have_their_texts_in_every_language_as_plain_text(decidim: DecidimServer) -> None:
    gym = read(decidim).projects[0]
    assert gym.key == "101"
    assert gym.title == {
        "fi": "Ulkokuntosali Kontulaan",
        "sv": "Utegym till Gårdsbacka",
        "en": "Kontula gym",
    }
    assert gym.description["fi"] == "Kontulan puistoon ulkokuntosali.\n\nKolme asemaa."
    assert gym.description["en"] == "An outdoor gym in Kontula park."  # the script is gone
    assert gym.budget_cents == 85_000_00
    assert gym.selected is True
    assert gym.reference == "OS-BUDG-101"
    assert gym.category["sv"] == "Idrott och friluftsliv"
    assert gym.scope == {"fi": "Itäinen", "sv": "Östra", "en": "Itäinen"}
    assert gym.url == f"{decidim.url}/processes/7/f/10/budgets/1/projects/101"
    assert gym.stage is None
    assert gym.location is None


def test_a_missing_translation_is_left_out(decidim: DecidimServer) -> None:
    playground = by_key(read(decidim))["103"]
    assert playground.title == {  # type: ignore[attr-defined]
        "fi": "Leikkipaikka Kaivopuistoon",
        "en": "Playground in Kaivopuisto",
    }


def test_accountability_results_give_stage_and_location(decidim: DecidimServer) -> None:
    projects = by_key(read(decidim, accountability="12"))
    gym, playground, court = projects["101"], projects["103"], projects["102"]
    assert gym.stage == "building"  # type: ignore[attr-defined]
    assert gym.location.latitude == pytest.approx(60.2355)  # type: ignore[attr-defined]
    assert gym.location.address == "Kontulantie 1"  # type: ignore[attr-defined]
    assert playground.stage == "built"  # type: ignore[attr-defined]
    assert court.stage is None
    assert court.location is None


def test_one_budget_can_be_chosen(decidim: DecidimServer) -> None:
    found = read(decidim, budget="2")
    assert sorted(by_key(found)) == ["103", "104", "106"]


def test_an_unknown_budget_names_the_known_ones(decidim: DecidimServer) -> None:
    with pytest.raises(SourceError, match=r"has no budget 99; its budgets are: 1, 2, 3, 4, 5"):
        read(decidim, budget="99")


def test_a_component_that_is_not_a_budget_is_refused(decidim: DecidimServer) -> None:
    with pytest.raises(SourceError, match="component 11 is a Proposals component, not Budgets"):
        read(decidim, "11")


def test_a_missing_component_is_refused(decidim: DecidimServer) -> None:
    with pytest.raises(SourceError, match="there is no published component 404"):
        read(decidim, "404")


def test_an_accountability_id_that_is_a_budget_is_refused(decidim: DecidimServer) -> None:
    with pytest.raises(SourceError, match="component 10 is a Budgets component, not Account"):
        read(decidim, accountability="10")


def test_a_newer_schema_is_read_with_its_own_fields() -> None:
    """0.28+: selectedAt and url on projects, no categories or scopes; no locations module."""
    with running_decidim(Variant(newer=True, locations=False)) as server:
        found = read(server, accountability="12")
        assert server.rejected == []
    gym = by_key(found)["101"]
    assert gym.url.startswith("https://omastadi.example.org/")  # type: ignore[attr-defined]
    assert gym.category == {}
    assert gym.scope == {}
    assert gym.stage == "building"
    assert gym.location is None
    assert not any("locations" in query or "category" in query for query in server.queries)


def test_a_graphql_server_that_is_not_decidim_is_named() -> None:
    with (
        running_decidim(Variant(other=True)) as server,
        pytest.raises(SourceError, match="is a GraphQL API but not Decidim's"),
    ):
        read(server)


def test_a_wrong_path_is_an_http_error(decidim: DecidimServer) -> None:
    with httpx.Client() as http:
        client = GraphQLClient(http, f"{decidim.url}/wrong")
        with pytest.raises(SourceError, match="answered HTTP 404; give the address of a Decidim"):
            DecidimSite(client, decidim.url).read("10")


def test_an_unreachable_site_is_named() -> None:
    with httpx.Client() as http:
        client = GraphQLClient(http, "http://127.0.0.1:9/api")
        with pytest.raises(SourceError, match=r"cannot reach http://127.0.0.1:9/api: .*check"):
            DecidimSite(client, "http://127.0.0.1:9").read("10")


@pytest.mark.parametrize(
    ("given", "site"),
    [
        ("https://omastadi.hel.fi", "https://omastadi.hel.fi"),
        ("https://omastadi.hel.fi/api/", "https://omastadi.hel.fi"),
        ("https://omastadi.hel.fi/api/graphiql", "https://omastadi.hel.fi"),
        ("http://example.org/decidim/api", "http://example.org/decidim"),
    ],
)
def test_the_api_address_is_found_from_the_site_or_the_api(given: str, site: str) -> None:
    assert site_and_endpoint(given) == (site, f"{site}/api")


@pytest.mark.parametrize("given", ["omastadi.hel.fi", "ftp://x.org/api", "https://x.org/api?q=1"])
def test_an_address_that_is_not_http_is_refused(given: str) -> None:
    with pytest.raises(InputError, match="must be the http:// or https:// address"):
        site_and_endpoint(given)


# --- faults ------------------------------------------------------------------------------------


def test_429_is_retried_after_the_time_the_server_asks(decidim: DecidimServer) -> None:
    decidim.faults = ["429", "429"]
    time = FakeTime()
    found = read(decidim, time=time)
    assert len(found.projects) == 8
    assert time.sleeps[:2] == [3.0, 3.0]  # Retry-After: 3


def test_500_is_retried_with_growing_backoff(decidim: DecidimServer) -> None:
    decidim.faults = ["500", "500", "500"]
    time = FakeTime()
    assert len(read(decidim, time=time).projects) == 8
    assert time.sleeps[:3] == [1.0, 2.0, 4.0]


def test_a_server_that_keeps_failing_ends_in_a_clear_error(decidim: DecidimServer) -> None:
    decidim.faults = ["500"] * 5
    with pytest.raises(SourceError, match=r"still answered HTTP 500 after 5 attempts"):
        read(decidim)


def test_a_slow_answer_is_retried_and_then_given_up(decidim: DecidimServer) -> None:
    decidim.faults = ["slow", "slow"]
    decidim.slow_seconds = 0.5
    politeness = Politeness(attempts=2)
    with pytest.raises(SourceError, match=r"still answered no answer in time after 2 attempts"):
        read(decidim, timeout=0.1, politeness=politeness)


def test_one_slow_answer_is_retried(decidim: DecidimServer) -> None:
    decidim.faults = ["slow"]
    decidim.slow_seconds = 0.5
    assert len(read(decidim, timeout=0.2).projects) == 8


def test_an_answer_that_is_not_json_is_refused(decidim: DecidimServer) -> None:
    decidim.faults = ["html"]
    with pytest.raises(SourceError, match="did not answer JSON: it is not a GraphQL API"):
        read(decidim)


def test_graphql_errors_are_shown(decidim: DecidimServer) -> None:
    decidim.faults = ["", "graphql-error"]  # the schema probe passes, the next query fails
    with pytest.raises(SourceError, match="the Decidim API refused the request: Internal server"):
        read(decidim)


def test_the_rate_limit_spaces_requests_out() -> None:
    """At most 3 a minute: the 4th request waits until the first is a minute old."""
    from arservice.pb.graphql import RateLimiter

    time = FakeTime()
    limiter = RateLimiter(3, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        limiter.wait()
        time.now += 1.0
    limiter.wait()
    assert time.sleeps == [57.0]
