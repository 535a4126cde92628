#!/usr/bin/env python3
"""Prepares the OpenAPI fuzz: signs in the demo accounts the fuzz runs as and
opens one case, so operations on a case reach their logic. Prints the
schemathesis configuration (parameters) and writes one token per account."""
import json
import sys
import urllib.error
import urllib.request

base, out = sys.argv[1], sys.argv[2]


def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + "/api/v1" + path, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(req, data) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def login(user):
    status, body = call("POST", "/session", {"username": user, "password": "demo"})
    assert status == 201, (user, body)
    return body["token"]


tokens = {u: login(u) for u in ["applicant-lin", "clerk-zhenhai", "reviewer-licheng-civil", "admin"]}
for user, token in tokens.items():
    with open(f"{out}/{user}.token", "w") as f:
        f.write(token)

# Answer the guide's questions with their first options.
answers = {}
for _ in range(6):
    status, body = call("POST", "/items/MZ-008/guide", {"answers": answers})
    if status == 200:
        break
    q = next(iter(body["fields"])).removeprefix("answers.")
    _, item = call("GET", "/items/MZ-008")
    question = next(x for x in item["guide"]["question"] if x["key"] == q)
    answers[q] = question["option"][0]["key"]

person = {"kind": "person", "name": "林秀英", "id_number": "350304195103120027",
          "phone": "13805940001", "household_region": "350304"}
clerk = tokens["clerk-zhenhai"]
status, case = call("POST", "/cases", {"item": "MZ-008", "mode": "accept_remote",
                                       "applicant": person, "answers": answers}, clerk)
assert status == 201, case
for step in ["submit", "accept"]:
    status, case = call("POST", f"/cases/{case['case_no']}/actions/{step}",
                        {"version": case["version"]}, clerk)
    assert status == 200, case

with open(f"{out}/schemathesis.toml", "w") as f:
    f.write(f"""[parameters]
case_no = "{case['case_no']}"
code = "MZ-008"
year = 2027
id = 1
""")
print(f"fuzzing with case {case['case_no']}")
