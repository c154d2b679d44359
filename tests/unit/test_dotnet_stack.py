""".NET stack text → frames (tracehound/model/dotnet_stack.py), shared by the Exceptionless
and Logster adapters: every printed form we know of, and never an exception on any text."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracehound.model.dotnet_stack import (
    DotnetFrame,
    parse_exception,
    parse_frame,
    parse_frames,
)


@pytest.mark.parametrize("line,expected", [
    # the seed's frame
    ("   at Logster.Web.Api.Areas.HelpPage.App_Start.HelpPageConfig.Register("
     "HttpConfiguration config) in Program.cs:line 42",
     DotnetFrame("Logster.Web.Api.Areas.HelpPage.App_Start.HelpPageConfig.Register("
                 "HttpConfiguration config)",
                 "Logster.Web.Api.Areas.HelpPage.App_Start.HelpPageConfig", "Program.cs", 42)),
    ("   at Shop.Repo.Save(Order o, Int32 n) in C:\\src\\Repo.cs:line 88",
     DotnetFrame("Shop.Repo.Save(Order o, Int32 n)", "Shop.Repo", "C:\\src\\Repo.cs", 88)),
    # no symbols: no file part
    ("   at Shop.Cart.Total()", DotnetFrame("Shop.Cart.Total()", "Shop.Cart")),
    # generics, nested types, constructors, compiler-generated names
    ("   at System.Linq.Enumerable.First[TSource](IEnumerable`1 source)",
     DotnetFrame("System.Linq.Enumerable.First[TSource](IEnumerable`1 source)",
                 "System.Linq.Enumerable")),
    ("   at Shop.Cache`1.Get(String key) in /src/Cache.cs:line 9",
     DotnetFrame("Shop.Cache`1.Get(String key)", "Shop.Cache`1", "/src/Cache.cs", 9)),
    ("   at Shop.Order..ctor(Int32 id) in /src/Order.cs:line 3",
     DotnetFrame("Shop.Order..ctor(Int32 id)", "Shop.Order", "/src/Order.cs", 3)),
    ("   at Shop.Outer+Inner.Run()", DotnetFrame("Shop.Outer+Inner.Run()", "Shop.Outer+Inner")),
    ("   at Shop.Cart.<TotalAsync>d__5.MoveNext() in /src/Cart.cs:line 17",
     DotnetFrame("Shop.Cart.<TotalAsync>d__5.MoveNext()", "Shop.Cart.<TotalAsync>d__5",
                 "/src/Cart.cs", 17)),
    ("   at Shop.Program.<>c.<Main>b__0_0()",
     DotnetFrame("Shop.Program.<>c.<Main>b__0_0()", "Shop.Program.<>c")),
    ("   at Main()", DotnetFrame("Main()", "")),
    # Mono / Unity: a space before the arguments, an IL offset, no "line" word
    ("  at Game.Player.Jump (System.Single h) [0x0001c] in /src/Player.cs:42 ",
     DotnetFrame("Game.Player.Jump(System.Single h)", "Game.Player", "/src/Player.cs", 42)),
    ("  at Game.Player.Jump () [0x00000] in <filename unknown>:0",
     DotnetFrame("Game.Player.Jump()", "Game.Player")),
    ("  at Game.Player.Jump () <0x0002b>", DotnetFrame("Game.Player.Jump()", "Game.Player")),
    # localized runtimes
    ("   bei Shop.Cart.Total() in C:\\src\\Cart.cs:Zeile 17",
     DotnetFrame("Shop.Cart.Total()", "Shop.Cart", "C:\\src\\Cart.cs", 17)),
    ("   à Shop.Cart.Total() dans C:\\src\\Cart.cs:ligne 17",
     DotnetFrame("Shop.Cart.Total()", "Shop.Cart", "C:\\src\\Cart.cs", 17)),
    # not frames
    ("--- End of stack trace from previous location where exception was thrown ---", None),
    ("   --- End of inner exception stack trace ---", None),
    ("at home", None),
    ("    at Array.forEach (<anonymous>)", None),  # V8, not Mono: no IL offset follows
    ("    at Generator.next (native)", None),
    ("at least one error occurred (see inner)", None),
    ("System.Exception: boom", None),
    ("", None),
])
def test_frame_lines(line: str, expected: DotnetFrame | None) -> None:
    assert parse_frame(line) == expected


def test_frames_oldest_call_first_and_separators_skipped() -> None:
    text = ("   at Shop.Cart.Total() in Cart.cs:line 17\r\n"
            "--- End of stack trace from previous location where exception was thrown ---\r\n"
            "   at Shop.CheckoutController.Post() in CheckoutController.cs:line 40\r\n")
    assert [f.method for f in parse_frames(text)] == ["Shop.CheckoutController.Post()",
                                                     "Shop.Cart.Total()"]


NETFX_TOSTRING = (
    "System.InvalidOperationException: Checkout failed ---> "
    "System.ArgumentException: Bad quantity\r\n"
    "Parameter name: qty\r\n"
    "   at Shop.Cart.Add(Int32 qty) in Cart.cs:line 10\r\n"
    "   --- End of inner exception stack trace ---\r\n"
    "   at Shop.Checkout.Run() in Checkout.cs:line 20\r\n"
    "   at Shop.Program.Main() in Program.cs:line 5")
CORE_TOSTRING = (
    "System.InvalidOperationException: Checkout failed\n"
    " ---> System.ArgumentException: Bad quantity\n"
    "   at Shop.Cart.Add(Int32 qty) in Cart.cs:line 10\n"
    "   --- End of inner exception stack trace ---\n"
    "   at Shop.Checkout.Run() in Checkout.cs:line 20")


@pytest.mark.parametrize("text", [NETFX_TOSTRING, CORE_TOSTRING])
def test_tostring_chain_outermost_first_each_with_its_frames(text: str) -> None:
    outer, inner = parse_exception(text)
    assert (outer.type, outer.message) == ("System.InvalidOperationException", "Checkout failed")
    assert inner.type == "System.ArgumentException"
    assert inner.message.startswith("Bad quantity")
    assert [f.method for f in inner.frames] == ["Shop.Cart.Add(Int32 qty)"]
    assert outer.frames[-1].method == "Shop.Checkout.Run()"
    # the outermost exception's trace is the last block
    assert [f.method for f in parse_frames(text)] == [f.method for f in outer.frames]


def test_header_shapes() -> None:
    (only,) = parse_exception("System.ApplicationException: An unhandled widget exception "
                              "occurred.")
    assert (only.type, only.message, only.frames) == (
        "System.ApplicationException", "An unhandled widget exception occurred.", [])
    (bare,) = parse_exception("NullReferenceException")
    assert (bare.type, bare.message) == ("NullReferenceException", "")
    (prose,) = parse_exception("Something failed: badly")
    assert (prose.type, prose.message) == ("", "Something failed: badly")
    (stack_only,) = parse_exception("   at A.B() in c.cs:line 9")
    assert stack_only.type == "" and [f.method for f in stack_only.frames] == ["A.B()"]
    assert parse_exception("  \r\n ") == []


def test_aggregate_exception_inner_list_is_not_read_as_frames() -> None:
    text = ("System.AggregateException: One or more errors occurred. (boom)\n"
            " ---> System.Exception: boom\n"
            "   at A.B() in a.cs:line 1\n"
            "   --- End of inner exception stack trace ---\n"
            "   at C.D() in c.cs:line 2\n"
            "---> (Inner Exception #0) System.Exception: boom\n"
            "   at X.Y() in x.cs:line 3<---\n")
    outer, inner = parse_exception(text)
    assert [f.method for f in outer.frames] == ["C.D()"]
    assert [f.method for f in inner.frames] == ["A.B()"]


def test_hostile_text_is_bounded() -> None:
    line = "   at " + "A." * 200 + "B(" + "x" * 1000 + ") in " + "f" * 500 + ":line 1\n"
    start = time.monotonic()
    frames = parse_frames(line * 20_000)
    parse_exception("T: " + "(" * 100_000 + "\n" + line * 3000)
    parse_frames("   at A(" + " " * 500_000)
    parse_exception(("   at A() in " + ":1" * 1000 + "\n") * 500)  # many file:line candidates
    assert time.monotonic() - start < 5
    assert len(frames) <= 500


_PIECES = st.sampled_from([
    "   at A.B() in c.cs:line 9", "   at A.B..ctor(Int32 x)", "  at M.N () [0x0001] in <x>:0",
    "--- End of inner exception stack trace ---", " ---> ", "---> (Inner Exception #0)",
    "System.Exception: boom", ":line ", "(", ")", "[", "]", "<", ">", ".", "..", "\x00", "\r",
    "é", "在", "", "\n", "   ", "line 12"])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), st.lists(_PIECES, max_size=40).map("".join),
                 st.lists(_PIECES, max_size=40).map("\n".join)))
def test_never_raises(text: str) -> None:
    for frame in parse_frames(text):
        assert frame.method.endswith(")")
        assert frame.lineno is None or frame.lineno > 0
    for error in parse_exception(text):
        assert isinstance(error.type, str)
    for line in text.splitlines():
        parse_frame(line)
