"""The LLM backend against a scripted OpenAI-compatible server (real HTTP on 127.0.0.1):
alignment (one translation per cue, re-ask, cue-by-cue fallback), names through the same
enforcement as NLLB, the client's retries on 429/5xx/timeouts/dropped connections, the
preflight's one-line errors, the API key never leaking, the per-request answer cache and
per-language routing. The real llama.cpp server path is in test_llm_server.py."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from llm_server import (
    MODEL,
    Reply,
    ScriptedServer,
    Seen,
    completion,
    in_script,
    translation,
    window_cues,
)
from scodub.data import Cue, Track
from scodub.errors import ConfigError, ModelError
from scodub.mt.backends import backend_for, check_backends, load_backends, parse_routes
from scodub.mt.llm import LlmTranslator
from scodub.mt.llm_prompt import CueRequest, make_windows, plain_answer, read_answer
from scodub.mt.localize import MtSettings, localize
from scodub.mt.openai_client import ChatClient, resolve_base_url
from scodub.names.glossary import Glossary
from scodub.names.io import load_glossaries
from scodub.stages.cache import StageCache

GLOSSARY_FILE = ROOT / "glossaries" / "sco-film-festival-2025.yaml"
LINES = [
    "Welcome to the SCO Film Festival in Chongqing.",
    "Tonight Zhang Yimou presents",
    "a film about memory.",
    "The Golden Camellia Awards",
    "go to five films this year.",
    "- Have you met Samina Farzin?",
    "- Not yet, but I saw White Ant.",
    "It opens the FilmMart on Friday.",
    "Jia Zhangke will chair the jury.",
    "Thank you all for coming.",
]
KEY = "sk-test-abcdefghijklmnop-0123456789"


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossaries([GLOSSARY_FILE])


def track(lines: list[str] = LINES) -> Track:
    cues = tuple(Cue(i * 3000, i * 3000 + 2500, (t,)) for i, t in enumerate(lines))
    return Track("en", cues, 25.0)


def translator(
    server: ScriptedServer,
    tmp: Path | None = None,
    *,
    timeout: float = 5.0,
    retries: int = 3,
    concurrency: int = 2,
    synopsis: str = "",
) -> LlmTranslator:
    client = ChatClient(server.url, MODEL, timeout_s=timeout, backoff_s=0.01, retries=retries)
    cache = StageCache(tmp) if tmp else None
    return LlmTranslator(client, cache=cache, window=4, concurrency=concurrency, synopsis=synopsis)


def _names_ok(result_texts: list[str], glossary: Glossary, lang: str) -> None:
    joined = " ".join(result_texts)
    assert "[[" not in joined
    for term_id in ("sco-film-festival", "zhang-yimou", "samina-farzin", "white-ant"):
        form = glossary.by_id(term_id).form(lang)  # type: ignore[union-attr]
        assert form and joined.count(form) == 1, (form, joined)


def test_windows_follow_sentences_and_skip_empty_cues() -> None:
    texts = ["One.", "Two starts", "and ends.", "", "Three.", "Four.", "Five."]
    windows = make_windows(texts, 3)
    assert [w.cues for w in windows] == [(0, 1, 2), (4, 5, 6)]
    assert windows[1].before == (0, 1, 2) and windows[0].after == (4, 5, 6)
    assert [w.cues for w in make_windows(texts, 2)] == [(0,), (1, 2), (4, 5), (6,)]


def test_read_answer_forms() -> None:
    assert read_answer('```json\n{"1": "a", "2": "b"}\n```', 2) == {1: "a", 2: "b"}
    assert read_answer('Sure! {"1": {"text": "a"}, "2": "b"} Done.', 2) == {1: "a", 2: "b"}
    assert read_answer('["a", "b"]', 2) == {1: "a", 2: "b"}
    assert read_answer("1: a\n2. b", 2) == {1: "a", 2: "b"}
    assert read_answer("I cannot help with that.", 2) is None


def test_real_http_main_path(glossary: Glossary, tmp_path: Path) -> None:
    with ScriptedServer() as server:
        result = localize(
            track(), ["en", "ru", "zh"], glossary, translator=translator(server, tmp_path)
        )
    ru = [c.flat_text for c in result.tracks["ru"].cues]
    assert len(ru) == len(LINES) and all(t.startswith("<ru>") for t in ru)
    _names_ok(ru, glossary, "ru")
    _names_ok([c.flat_text for c in result.tracks["zh"].cues], glossary, "zh")
    report = result.reports["ru"].to_json()
    assert report["route"] == f"mt:openai:{MODEL}"
    mt = report["mt"]
    assert mt["cues"] == 10 and mt["windows"] == mt["windows_ok"] == 3
    assert mt["requests"] == 3 and mt["prompt_tokens"] == 150 and mt["completion_tokens"] == 60
    assert mt["fallback_cues"] == mt["untranslated_cues"] == 0
    # One request per window and language: windows, not one request per cue.
    assert len(server.chats()) == 6
    (first,) = [
        s.payload
        for s in server.chats()
        if "Welcome" in json.dumps(window_cues(s.payload))
        and "Russian" in s.payload["messages"][0]["content"]
    ]
    assert first["response_format"]["type"] == "json_schema"
    prompt = first["messages"][1]["content"]
    assert "SCO Film Festival (festival); in " in prompt and "Zhang Yimou (person)" in prompt
    assert "characters per second" in prompt


def test_prompt_has_context_synopsis_and_inflection_note(glossary: Glossary) -> None:
    with ScriptedServer() as server:
        localize(
            track(),
            ["ru"],
            glossary,
            translator=translator(server, synopsis="A festival night in Chongqing."),
        )
    (second,) = [
        s.payload["messages"][1]["content"]
        for s in server.chats()
        if "go to five films" in json.dumps(window_cues(s.payload))
    ]
    assert "A festival night in Chongqing." in second
    assert (
        "Scene before (context, do not translate):\nWelcome to the SCO Film Festival in "
        "Chongqing.\nTonight Zhang Yimou presents\na film about memory."
    ) in second
    assert (
        "Scene after (context, do not translate):\nIt opens the FilmMart on Friday.\n"
        "Jia Zhangke will chair the jury.\nThank you all for coming."
    ) in second
    assert "nominative, unchanged" in second
    assert sorted(len(window_cues(s.payload)) for s in server.chats()) == [3, 3, 4]


def test_missing_and_merged_cues_are_asked_again(glossary: Glossary) -> None:
    first_asks: set[str] = set()

    def merging(seen: Seen) -> Reply:
        cues = window_cues(seen.payload)
        answer = translation(seen.payload, cues)
        if len(cues) >= 3 and cues["1"] not in first_asks:  # a window's first answer:
            first_asks.add(cues["1"])  # cue 3 merged into cue 2
            answer["2"] = answer["2"] + " " + answer.pop("3")
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    with ScriptedServer(merging) as server:
        result = localize(track(), ["ru"], glossary, translator=translator(server))
    mt = result.reports["ru"].mt
    # Windows of 3, 4 and 3 cues (cut at sentence ends): each loses cue 3, which may
    # have shifted every cue of the answer: each window is asked again whole.
    assert mt["numbering_errors"] == 3 and mt["reasks"] == 3 and mt["reask_fixed_cues"] == 10
    assert mt["fallback_cues"] == 0
    texts = [c.flat_text for c in result.tracks["ru"].cues]
    assert len(texts) == len(LINES) and all(t.startswith("<ru>") for t in texts)
    _names_ok(texts, glossary, "ru")


def test_text_moved_between_cues_is_caught(glossary: Glossary) -> None:
    """A placeholder of cue 2 answered in cue 1 is text shifted between cues."""

    def shifting(seen: Seen) -> Reply:
        cues = window_cues(seen.payload)
        answer = translation(seen.payload, cues)
        if len(cues) >= 3 and "presents" in cues["2"]:
            answer["1"] = answer["1"] + " " + answer["2"]
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    with ScriptedServer(shifting) as server:
        result = localize(track(), ["ru"], glossary, translator=translator(server))
    mt = result.reports["ru"].mt
    assert mt["numbering_errors"] == 1 and mt["reask_fixed_cues"] >= 1
    _names_ok([c.flat_text for c in result.tracks["ru"].cues], glossary, "ru")


def test_fallback_cue_by_cue(glossary: Glossary) -> None:
    def short(seen: Seen) -> Reply:
        cues = window_cues(seen.payload)
        answer = translation(seen.payload, cues)
        if len(cues) > 1:
            answer.pop(max(answer, key=int))  # every window's answer is one cue short
        elif "Thank you" in cues["1"]:  # one cue: a bare translation, chatty
            return Reply(body=completion("Here is the translation:\n\n\"<ru> Спасибо.\"\n\n"
                                         "Note: I kept the tone informal."))
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    with ScriptedServer(short) as server:
        result = localize(track(), ["ru"], glossary, translator=translator(server))
    mt = result.reports["ru"].mt
    # Each window loses its last cue, which may have shifted the others: the window is
    # asked again whole, loses its last cue again, and every cue is asked one by one.
    assert mt["numbering_errors"] == 3 and mt["reasks"] == 3 and mt["reask_fixed_cues"] == 0
    assert mt["fallback_cues"] == mt["fallback_fixed_cues"] == 10
    assert mt["untranslated_cues"] == 0
    texts = [c.flat_text for c in result.tracks["ru"].cues]
    assert len(texts) == len(LINES) and all(t.startswith("<ru>") for t in texts)
    assert texts[-1] == "<ru> Спасибо."


def test_malformed_answers_keep_the_source_and_the_names(glossary: Glossary) -> None:
    """A cue the model never translates keeps its source text (with its names); a track
    that would be mostly source text is an error: nothing is published as Russian."""

    def one_never(seen: Seen) -> Reply:
        answer = translation(seen.payload)
        for key, text in window_cues(seen.payload).items():
            if "Thank you" in text:
                answer[key] = "Thank you all for coming."  # the source, given back
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    with ScriptedServer(one_never) as server:
        result = localize(track(), ["ru"], glossary, translator=translator(server))
    mt = result.reports["ru"].mt
    assert mt["untranslated_cues"] == 1
    texts = [c.flat_text for c in result.tracks["ru"].cues]
    assert texts[-1] == "Thank you all for coming." and texts[0].startswith("<ru>")
    _names_ok(texts, glossary, "ru")
    for content in ("not json at all", "{}", "Sure! Here is the translation: blah"):
        with (
            ScriptedServer(lambda seen, c=content: Reply(body=completion(c))) as server,
            pytest.raises(ModelError, match=r"gave no usable Russian for (9|10) of 10 cues"),
        ):
            localize(track(), ["ru"], glossary, translator=translator(server))


ANSWERS_THAT_ARE_NO_TRANSLATION = {
    "control": "<ru> да\u0000 Спасибо.",
    "timing": "<ru> да Спасибо 00:00:05,000 --> 00:00:06,000",
    "too long": "<ru> да " + "очень " * 100,
    "wrong script": "谢谢大家的光临。",
    "unchanged": "Thank you all, for coming!",
}


@pytest.mark.parametrize("target", ["ru", "uz"])
@pytest.mark.parametrize("problem", sorted(ANSWERS_THAT_ARE_NO_TRANSLATION))
def test_an_answer_that_is_no_translation_is_asked_again(
    glossary: Glossary, problem: str, target: str
) -> None:
    """An answer that would make an SRT no reader takes (a control character, a timing
    line), that rambles, or that is not in the target's script (the source given back,
    another language) is asked again, then cue by cue, then the cue keeps its source."""
    bad = ANSWERS_THAT_ARE_NO_TRANSLATION[problem]
    if target == "uz" and problem == "wrong script":
        bad = "Спасибо всем, что пришли."
    if target == "uz" and problem in ("control", "timing", "too long"):
        bad = bad.replace("<ru> да", "<uz>")

    def one_bad(seen: Seen) -> Reply:
        answer = translation(seen.payload)
        for key, text in window_cues(seen.payload).items():
            if "Thank you" in text:
                answer[key] = bad
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    with ScriptedServer(one_bad) as server:
        result = localize(track(), [target], glossary, translator=translator(server))
    mt = result.reports[target].mt
    assert mt["untranslated_cues"] == 1 and mt["reasks"] == 1, mt
    texts = [c.flat_text for c in result.tracks[target].cues]
    assert texts[-1] == "Thank you all for coming."
    assert all(t.startswith(f"<{target}>") for t in texts[:-1])


def test_a_server_that_trickles_its_answer_times_out_as_a_whole() -> None:
    """--mt-timeout bounds the whole request: a server sending a byte every 0.2 s (each
    read well inside the timeout) is given up on after the timeout, and retried."""
    calls: list[float] = []

    def trickling(seen: Seen) -> Reply:
        calls.append(time.monotonic())
        return Reply(body=completion('{"1": "Привет."}'), trickle_s=0.2)

    with ScriptedServer(trickling) as server:
        client = ChatClient(server.url, MODEL, timeout_s=1.0, backoff_s=0.01, retries=1)
        started = time.monotonic()
        with pytest.raises(ModelError, match=r"no answer after 2 tries \(the answer took over 1 s"):
            client.chat([{"role": "user", "content": "Hello."}], max_tokens=10)
    assert len(calls) == 2 and time.monotonic() - started < 5


def test_a_few_untranslated_cues_are_named_on_the_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def one_never(seen: Seen) -> Reply:
        answer = translation(seen.payload)
        for key, text in window_cues(seen.payload).items():
            if "Thank you" in text:
                answer[key] = text  # the source, given back
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    srt = tmp_path / "film.en.srt"
    srt.write_text("".join(f"{n + 1}\n00:00:0{n},000 --> 00:00:0{n},900\n{t}\n\n"
                           for n, t in enumerate(LINES)), encoding="utf-8")  # fmt: skip
    with ScriptedServer(one_never) as server:
        args = ["translate", str(srt), "--to", "ru", "--mt-model", f"openai:{MODEL}",
                "--mt-url", server.url, "--out", str(tmp_path / "out"), "--quiet"]  # fmt: skip
        code, _, err = run_cli(args, capsys)
    assert code == 0 and err.splitlines() == [
        "scodub: warning: ru: 1 of 10 cues kept their source text (the model gave no usable "
        "translation for them)"
    ]


def test_token_counts_that_are_no_numbers_count_as_none(glossary: Glossary) -> None:
    def odd_usage(seen: Seen) -> Reply:
        body = completion(json.dumps(translation(seen.payload), ensure_ascii=False))
        body["usage"] = {"prompt_tokens": "lots", "completion_tokens": 1e999}
        return Reply(body=body)

    with ScriptedServer(odd_usage) as server:
        result = localize(track(), ["ru"], glossary, translator=translator(server))
    mt = result.reports["ru"].mt
    assert mt["prompt_tokens"] == mt["completion_tokens"] == 0 and mt["untranslated_cues"] == 0


def test_retries_on_429_500_timeouts_and_dropped_connections(glossary: Glossary) -> None:
    faults = [
        Reply(status=429, body={"error": "slow down"}, headers={"Retry-After": "0"}),
        Reply(status=500, body={"error": "boom"}),
        Reply(drop=True),
        Reply(delay_s=1.5),
        Reply(status=503, body=b"<html>busy</html>"),
    ]

    def flaky(seen: Seen) -> Reply:
        if faults:
            fault = faults.pop(0)
            if fault.delay_s:  # answers, but after the client's timeout
                fault.body = completion(json.dumps(translation(seen.payload)))
            return fault
        return Reply(body=completion(json.dumps(translation(seen.payload), ensure_ascii=False)))

    with ScriptedServer(flaky) as server:
        llm = translator(server, timeout=1.0, retries=5, concurrency=1)
        result = localize(track(), ["ru"], glossary, translator=llm)
    assert len(server.chats()) == 3 + 5
    assert result.reports["ru"].mt["requests"] == 3  # the retries are the client's business
    with (
        ScriptedServer(lambda seen: Reply(status=500, body={"e": 1})) as server,
        pytest.raises(ModelError, match=r"no answer after 3 tries \(HTTP 500\)"),
    ):
        translator(server, retries=2).translate(["Hello."], "en", "ru")


@pytest.mark.parametrize("status", [422, 500])
def test_server_that_rejects_json_schema_gets_json_object(glossary: Glossary, status: int) -> None:
    """vLLM-style 422, or llama-cpp-python's 500 naming response_format: not retried, the
    next format is used (and kept)."""

    def old_server(seen: Seen) -> Reply:
        if seen.payload.get("response_format", {}).get("type") == "json_schema":
            message = "response_format.type: Input should be 'text' or 'json_object'"
            return Reply(status=status, body={"error": {"message": message}})
        return Reply(body=completion(json.dumps(translation(seen.payload))))

    with ScriptedServer(old_server) as server:
        result = localize(track(), ["ru"], glossary, translator=translator(server, concurrency=1))
    assert result.reports["ru"].mt["windows_ok"] == 3
    kinds = [s.payload["response_format"]["type"] for s in server.chats()]
    assert kinds == ["json_schema", "json_object", "json_object", "json_object"]
    assert "schema" in server.chats()[1].payload["response_format"]


def test_answers_are_cached_so_a_rerun_sends_nothing(glossary: Glossary, tmp_path: Path) -> None:
    with ScriptedServer() as server:
        first = localize(track(), ["ru"], glossary, translator=translator(server, tmp_path))
        sent = len(server.chats())
        second = localize(track(), ["ru"], glossary, translator=translator(server, tmp_path))
        assert len(server.chats()) == sent == 3
        changed = localize(
            track([*LINES[:-1], "Goodbye."]),
            ["ru"],
            glossary,
            translator=translator(server, tmp_path),
        )
        # The window that changed, and the one that shows it as its scene after.
        assert len(server.chats()) == sent + 2
    assert second.tracks == first.tracks
    assert second.reports["ru"].mt["cached_answers"] == 3
    assert second.reports["ru"].mt["requests"] == 0
    assert changed.reports["ru"].mt["cached_answers"] == 1
    assert len(list((tmp_path / ".scodub" / "mt-llm").glob("*.json"))) == 5


def test_preflight_errors_are_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCODUB_MT_URL", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    settings = MtSettings(model="openai:fake-model")
    with pytest.raises(ConfigError, match="pass --mt-url"):
        check_backends(settings, ["ru"])
    with ScriptedServer() as server:
        dead = server.url
        check_backends(MtSettings(model="openai:fake-model", url=server.url), ["ru"])
        with pytest.raises(ModelError, match=r"has no model 'qwen'; it serves: fake-model"):
            check_backends(MtSettings(model="openai:qwen", url=server.url), ["ru"])
    with pytest.raises(ModelError, match=r"cannot reach the translation server at http://127"):
        check_backends(MtSettings(model="openai:fake-model", url=dead), ["ru"])
    assert resolve_base_url("http://localhost:11434") == "http://localhost:11434/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://h:1/v1/")
    assert resolve_base_url(None) == "http://h:1/v1"
    with pytest.raises(ConfigError, match="at most 86400 s"):  # socket timeouts overflow
        ChatClient("http://127.0.0.1:1/v1", MODEL, timeout_s=1e10)
    for bad in ("http://[::1", "http://h:port/v1", "http://user:secret@[::1"):
        with pytest.raises(ConfigError, match="expected an http:// or https:// URL") as caught:
            resolve_base_url(bad)
        assert "secret" not in str(caught.value)
    monkeypatch.setenv("SCODUB_MT_URL", "http://user:secret@127.0.0.1:1/v1")
    with pytest.raises(ConfigError, match=r"^\$SCODUB_MT_URL '127.0.0.1:1/v1': a user or pass"):
        resolve_base_url(None)  # named where it came from; no password shown


def test_api_key_never_leaks(
    glossary: Glossary,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srt = tmp_path / "film.en.srt"
    srt.write_text(
        "".join(
            f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},900\n{t}\n\n" for i, t in enumerate(LINES[:5])
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with ScriptedServer(api_key=KEY) as server:
        monkeypatch.setenv("SCODUB_MT_API_KEY", KEY[:-1] + "X")  # a wrong key
        code, _, err = run_cli(
            [
                "translate",
                str(srt),
                "--to",
                "ru",
                "--mt-model",
                f"openai:{MODEL}",
                "--mt-url",
                server.url,
                "-o",
                str(out),
            ],
            capsys,
        )
        assert code == 1 and "refused the API key (HTTP 401)" in err
        assert KEY[:-1] not in err and KEY[:6] not in err and err.count("\n") == 1
        monkeypatch.setenv("SCODUB_MT_API_KEY", KEY)
        code, stdout, err = run_cli(
            [
                "translate",
                str(srt),
                "--to",
                "ru",
                "--mt-model",
                f"openai:{MODEL}",
                "--mt-url",
                server.url,
                "-o",
                str(out),
                "--json",
                "--glossary",
                str(GLOSSARY_FILE),
            ],
            capsys,
        )
        assert code == 0, err
        assert all(s.authorization == f"Bearer {KEY}" for s in server.chats())
    report = json.loads(stdout)
    assert report["languages"]["ru"]["route"] == f"mt:openai:{MODEL}"
    assert report["languages"]["ru"]["mt"]["prompt_tokens"] > 0
    for path in out.rglob("*"):
        if path.is_file():
            assert KEY[:12] not in path.read_text(encoding="utf-8", errors="replace"), path
    assert KEY[:12] not in stdout + err


def test_routing_mixes_llm_and_nllb(
    glossary: Glossary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = parse_routes("zh=openai:m1, ru=openai:m1,kk=tests/data/tiny-nllb")
    assert routes == (("zh", "openai:m1"), ("ru", "openai:m1"), ("kk", "tests/data/tiny-nllb"))
    settings = MtSettings(model="openai:m2", routes=routes)
    assert backend_for(settings, "kk") == "tests/data/tiny-nllb"
    assert backend_for(settings, "uz") == "openai:m2"
    with pytest.raises(ConfigError, match="LANG=BACKEND"):
        parse_routes("zh:openai:m")
    with pytest.raises(ConfigError, match="routed twice"):
        parse_routes("zh=a,zh=b")
    srt = tmp_path / "film.en.srt"
    srt.write_text(
        "".join(
            f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},900\n{t}\n\n" for i, t in enumerate(LINES[:4])
        ),
        encoding="utf-8",
    )
    nllb = ROOT / "tests" / "data" / "tiny-nllb"
    with ScriptedServer() as server:
        code, stdout, err = run_cli(
            [
                "translate",
                str(srt),
                "--to",
                "ru,kk,zh",
                "--mt",
                f"ru=openai:{MODEL},kk={nllb}",
                "--mt-model",
                f"openai:{MODEL}",
                "--mt-url",
                server.url,
                "--json",
                "--glossary",
                str(GLOSSARY_FILE),
                "-o",
                str(tmp_path / "out"),
            ],
            capsys,
        )
    assert code == 0, err
    languages = json.loads(stdout)["languages"]
    assert languages["ru"]["route"] == languages["zh"]["route"] == f"mt:openai:{MODEL}"
    assert languages["kk"]["route"] == "mt:nllb:tiny-nllb" and "mt" not in languages["kk"]
    # ru and zh went through one translator: windows for both languages, one pool.
    assert {
        json.loads(json.dumps(s.payload))["messages"][0]["content"].split(" into ")[1][:7]
        for s in server.chats()
    } == {"Russian", "Chinese"}
    translators = load_backends(
        MtSettings(model="openai:m", url="http://127.0.0.1:9/v1", routes=(("kk", str(nllb)),)),
        ["ru", "zh", "kk"],
    )
    assert translators["ru"] is translators["zh"] and translators["kk"].name == "nllb:tiny-nllb"


def test_names_written_into_the_wrong_cue_are_caught(glossary: Glossary) -> None:
    """A model that writes the names themselves and shifts a sentence by one cue (seen
    with Qwen2.5-1.5B): cue 2 holds cue 3's name, the two cues get the same text."""
    first_asks: set[str] = set()

    def shifting(seen: Seen) -> Reply:
        cues = window_cues(seen.payload)
        answer = translation(seen.payload, cues)
        if len(cues) == 4 and cues["1"] not in first_asks:
            first_asks.add(cues["1"])
            answer["2"] = "Самина Фарзин"  # cue 3's name, written out
            answer["3"] = answer["4"]  # and cue 4's text twice
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    with ScriptedServer(shifting) as server:
        result = localize(track(), ["ru"], glossary, translator=translator(server))
    mt = result.reports["ru"].mt
    assert mt["numbering_errors"] == 1 and mt["reask_fixed_cues"] == 4
    texts = [c.flat_text for c in result.tracks["ru"].cues]
    assert all(t.startswith("<ru>") for t in texts)
    _names_ok(texts, glossary, "ru")


def test_cue_request_placeholders_map_back(glossary: Glossary) -> None:
    """Two cues of one window both have [[1]]: the model sees distinct numbers and each cue
    gets its own name back."""
    requests = [
        CueRequest("Hello [[1]].", "Hello Zhang Yimou.", 2000, (("[[1]]", "zhang-yimou"),)),
        CueRequest("And [[1]].", "And Jia Zhangke.", 2000, (("[[1]]", "jia-zhangke"),)),
    ]
    with ScriptedServer() as server:
        out = translator(server).translate_track(requests, "en", ["ru"], glossary)["ru"]
        cues = window_cues(server.chats()[0].payload)
    assert cues == {"1": "Hello [[1]].", "2": "And [[2]]."}
    assert out.texts == [f"<ru> да {in_script('Hello', 'ru')} [[1]].", "<ru> да анг [[1]]."]


def test_run_checks_the_server_before_transcribing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``scodub run`` with an unreachable server or a wrong model stops in preflight with
    one line: no transcript is made."""
    film = ROOT / "samples" / "sco-sample.mp4"
    out = tmp_path / "out"
    with ScriptedServer() as server:
        up = server.url
        args = ["run", str(film), "--langs", "ru", "--mt-url", up, "-o", str(out)]
        code, _, err = run_cli([*args, "--mt-model", "openai:qwen2.5"], capsys)
        assert code == 1 and "has no model 'qwen2.5'; it serves: fake-model" in err
    code, _, err = run_cli([*args, "--mt-model", f"openai:{MODEL}"], capsys)
    assert code == 1 and f"cannot reach the translation server at {up}" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(out.glob("*.transcript.json"))


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("Here is the translation:\n\nПривет, мир!", "Привет, мир!"),
        ("Translation into Uzbek: Salom, dunyo!", "Salom, dunyo!"),
        ('"Salom, dunyo!"\n\nNote: the name is kept.', "Salom, dunyo!"),
        ("Sure! Here you go:\n«Привет»", "Привет"),
        ("Привет,\nмир!", "Привет, мир!"),  # two lines of a cue
        ("Here we go: again!", "Here we go: again!"),  # a line of dialogue
        ("```\nПривет\n```", "Привет"),
    ],
)
def test_a_bare_answer_loses_what_a_chatty_model_says_around_it(content: str, text: str) -> None:
    """The words around a one-cue answer were taken into the subtitle."""
    assert plain_answer(content) == text


def test_a_context_file_that_is_no_regular_file_is_one_line(tmp_path: Path) -> None:
    """``--context /dev/zero`` was read until memory ran out (a MemoryError traceback)."""
    from scodub.errors import InputError
    from scodub.mt.backends import read_context

    with pytest.raises(InputError, match="/dev/zero: is a character device, not a synopsis"):
        read_context(Path("/dev/zero"))
    big = tmp_path / "synopsis.txt"
    big.write_bytes(b"x" * (2 << 20))
    with pytest.raises(InputError, match=r"synopsis\.txt: is 2\.0 MB, over the 1 MB limit"):
        read_context(big)
    big.write_text("  A film about ants.\n", encoding="utf-8")
    assert read_context(big) == "A film about ants."
