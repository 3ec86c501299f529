from __future__ import annotations

import ncut_analysis as na
from ncut_analysis.paths import published_table
from ncut_analysis.reconcile import reconcile


def test_finds_the_eight_engagement_rates_of_the_seed():
    found = reconcile(na.load_published(published_table("114-1")))
    assert set(found["category"]) == {"engagement"} and set(found["field"]) == {"rate"}
    # e.g. 智慧 36 / 47 = 76.595… -> 76.60, published 76.59; 健管 22 / 37 = 59.459… -> 59.46
    got = {r.department: (r.published, r.expected) for r in found.itertuples()}
    assert got == {
        "資工": ("55.31", "55.32"),
        "智慧": ("76.59", "76.60"),
        "文創": ("85.41", "85.42"),
        "應英": ("46.80", "46.81"),
        "工管": ("49.20", "49.21"),
        "資管": ("47.05", "47.06"),
        "行流": ("67.61", "67.62"),
        "健管": ("59.45", "59.46"),
    }


def test_counts_checked_against_a_computed_table(tiny):
    s, r = tiny
    computed = na.pass_rates(na.load_students(s), na.load_records(r))
    pub = computed.copy()
    pub["students"] = pub["students"]
    pub.loc[0, "certificate_passed"] = 2  # 化材 really has 1
    for c in ("resilience", "enhancement", "engagement", "certificate", "all"):
        pub[f"{c}_rate"] = na.thresholds.rate_hundredths(pub[f"{c}_passed"], pub["students"])
    found = reconcile(pub, computed)
    assert found.to_dict("records") == [
        {
            "level": "group",
            "college": "工程學院",
            "department": "化材",
            "category": "certificate",
            "field": "passed",
            "published": "2",
            "expected": "1",
        }
    ]
