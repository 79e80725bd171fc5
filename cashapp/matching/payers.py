"""Who paid: the counterparty's account when we know it, else its name, fuzzily.

An account a person once confirmed for a customer (`PayerAccount`) names that customer outright.
Otherwise the payer's name is compared with every customer's name (rapidfuzz), both normalized:
accents folded, case and punctuation dropped, legal suffixes (GmbH, Ltd, S.A., Inc …) removed,
words in any order. Two customers whose names score about the same make the name say little.
Results are kept per name for the run: a statement repeats its payers, and the names of a whole
statement are compared with every customer's at once (`names_match`: one `rapidfuzz` matrix).
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from cashapp.matching.facts import Payer

LEGAL_FORMS = frozenset(
    "ab ag as asa bv bvba co company corp corporation cv gmbh gbr inc incorporated kg kgaa kk llc llp ltd "
    "limited lp nv oy oyj plc pte pty sa sal sarl sas sasu se spa sprl srl ug ohg eg ev the and et und".split()
)
NAME_CUTOFF = 80
CLOSE = 4  # two customers' names within this many points of each other are ambiguous
ROWS = 256  # names compared with every customer's at once (a matrix of ROWS × customers' names)


@dataclass(frozen=True)
class Identity:
    customer_id: int
    points: int
    reason: str


def name_key(name: str) -> str:
    """ "Müller & Söhne GmbH" → "muller sohne"; "ACME, Ltd." → "acme"."""
    name = name or ""
    folded = (name if name.isascii() else  # most names: no accent to fold
              unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()).lower()
    words = re.findall(r"[a-z0-9]+", folded)
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def name_points(score: float) -> int:
    if score >= 97:
        return 35
    if score >= 90:
        return 28
    return 18


def _tokens_sorted(key: str) -> str:
    return " ".join(sorted(key.split()))


class PayerNames:
    """Every customer's name keyed, and the account families: what the payers of any run are
    looked up in. It changes only with the customers, so a worker keeps it between runs
    (`cashapp.matching.load.payer_names`); read-only once built (the tokens sorted once, on first use)."""

    def __init__(self, payers: Iterable[Payer]):
        self.payers = {p.id: p for p in payers}
        by_key: dict[str, list[int]] = defaultdict(list)
        family: dict[int, list[int]] = defaultdict(list)
        for payer in self.payers.values():
            key = name_key(payer.name)
            if key:
                by_key[key].append(payer.id)
            family[payer.family_head_id].append(payer.id)
        # Plain dicts: shared between runs (and a worker's threads), a look-up must not add to them.
        self.by_key, self.family = dict(by_key), dict(family)
        self.keys = list(self.by_key)
        self._sorted: list[str] | None = None

    @property
    def sorted_keys(self) -> list[str]:
        """Each name key's tokens sorted (what token_sort_ratio compares), computed on first use."""
        if self._sorted is None:
            self._sorted = [_tokens_sorted(k) for k in self.keys]
        return self._sorted


class PayerIndex:
    """The payers of one run: the customers' names (`PayerNames`, shared between runs), the learned
    accounts the run's receipts come from, and the names identified so far in the run."""

    def __init__(self, payers: Iterable[Payer] | PayerNames, accounts: dict[str, int]):
        names = payers if isinstance(payers, PayerNames) else PayerNames(payers)
        self.names = names
        self.payers, self.by_key, self.keys, self.family = names.payers, names.by_key, names.keys, names.family
        self.accounts = accounts
        self._names: dict[str, list[Identity]] = {}

    def family_of(self, customer_id: int) -> list[int]:
        payer = self.payers.get(customer_id)
        return self.family[payer.family_head_id] if payer else [customer_id]

    def head_of(self, customer_id: int) -> int:
        payer = self.payers.get(customer_id)
        return payer.family_head_id if payer else customer_id

    def identify(self, account: str, name: str) -> list[Identity]:
        """The customers the payer may be, strongest first."""
        found: list[Identity] = []
        customer_id = self.accounts.get(account) if account else None
        if customer_id is not None:
            found.append(Identity(customer_id, 35, f"account {account} is {self._name(customer_id)}'s"))
        for identity in self.by_name(name):
            if identity.customer_id != customer_id:
                found.append(identity)
        return found

    def by_name(self, name: str) -> list[Identity]:
        key = name_key(name)
        if not key:
            return []
        if key not in self._names:
            self.names_match([name])
        return self._names[key]

    def names_match(self, names: Iterable[str]) -> None:
        """Find the customers of many payer names at once (kept for `by_name`; the first spelling
        of a name is the one its reasons quote). The same two best names as one `process.extract`
        per name (token_sort_ratio, ties to the first customer name): the tokens of every name are
        sorted once and compared with `fuzz.ratio`, which is what token_sort_ratio does, in one
        matrix; the few names above the cutoff are scored again one by one, in double precision."""
        wanted: dict[str, str] = {}
        for name in names:
            key = name_key(name)
            if key and key not in self._names and key not in wanted:
                wanted[key] = name
        fuzzy = []
        for key, name in wanted.items():
            if key in self.by_key:
                self._names[key] = self._identities(name, [(key, 100.0)])
            else:
                fuzzy.append(key)
        if not fuzzy:
            return
        choices = self.names.sorted_keys
        for start in range(0, len(fuzzy), ROWS):
            rows = fuzzy[start:start + ROWS]
            queries = [_tokens_sorted(k) for k in rows]
            scores = process.cdist(queries, choices, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF - 1,
                                   dtype=np.float32)
            for key, query, row in zip(rows, queries, scores, strict=True):
                exact = sorted((-fuzz.ratio(query, choices[k]), k) for k in np.flatnonzero(row).tolist())
                best = [(self.keys[k], -score) for score, k in exact if -score >= NAME_CUTOFF][:2]
                self._names[key] = self._identities(wanted[key], best)

    def _identities(self, name: str, best: list[tuple[str, float]]) -> list[Identity]:
        if not best:
            return []
        top_key, top_score = best[0]
        ids = self.by_key[top_key]
        ambiguous = len(ids) > 1 or (len(best) > 1 and top_score - best[1][1] < CLOSE)
        points = name_points(top_score) // (2 if ambiguous else 1)
        found = [Identity(i, points, f"payer {name!r} is {self._name(i)} ({top_score:.0f} % alike)")
                 for i in ids]
        if len(best) > 1 and ambiguous:
            found += [Identity(i, name_points(best[1][1]) // 2,
                               f"payer {name!r} is {self._name(i)} ({best[1][1]:.0f} % alike)")
                      for i in self.by_key[best[1][0]]]
        return found

    def _name(self, customer_id: int) -> str:
        payer = self.payers.get(customer_id)
        return payer.name if payer else str(customer_id)
