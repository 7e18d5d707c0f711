"""What a study set out to do is not what it found (chatbot.answer.deterministic._findings_for_aims)."""

from chatbot.answer.deterministic import Candidate, _findings_for_aims


def _c(i, doc, kind, text, score=1.0, overlap=True):
    return Candidate(passage_idx=i, text=text, role="literature", kind=kind, doc_id=doc, score=score, key_overlap=overlap)


def test_an_aim_of_a_study_already_quoted_for_its_finding_is_dropped():
    cands = [
        _c(0, "a", "conclusion", "Evidence was too weak to recommend it."),
        _c(1, "a", "objective", "They assessed whether it helps."),
        _c(2, "b", "result", "Latency fell by 17 minutes."),
    ]
    assert _findings_for_aims(cands, [0, 1, 2]) == [0, 2]


def test_an_aim_gives_way_to_the_same_studys_result_from_another_passage():
    cands = [
        _c(0, "a", "objective", "They assessed whether it helps."),
        _c(1, "b", "result", "Unrelated finding.", score=3.0),
        _c(2, "a", "result", "Sleep efficiency rose.", score=0.5),
        _c(3, "a", "result", "Off-topic figure.", score=2.0, overlap=False),  # not on the question's topic
    ]
    assert _findings_for_aims(cands, [0, 1]) == [2, 1]


def test_the_same_passages_result_is_preferred_and_an_aim_without_any_result_stays():
    cands = [
        _c(0, "a", "objective", "They assessed whether it helps."),
        _c(0, "a", "result", "Same passage: it helped.", score=0.2),
        _c(4, "a", "result", "Other passage: it helped.", score=0.9),
        _c(5, "c", "background", "It has been proposed to help."),
    ]
    assert _findings_for_aims(cands, [0, 3]) == [1, 3]
