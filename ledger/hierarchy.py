"""Account families of any depth: a customer's parent may have a parent (a group → a region → a site).

`Customer.parent` is the link; `Customer.family_top` (None for a top) and `Customer.depth` (0 for a
top) are kept from it by `Customer.save` and, after bulk writes (the import, the demo book), by
`families_refresh`. Everything that asks "which family", "which accounts under this one" or "which
account at level k" asks here: a whole family is one query (`family_top` = its top).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Q

from ledger.imports.bulk import update_rows
from ledger.imports.existing import chunks
from ledger.models import Customer

ARROW = " → "
# No real book nests this deep; a longer walk means the links loop.
MAX_DEPTH = 64


class CycleError(ValueError):
    """A parent that would make the customer its own ancestor; the message names the chain."""


def chain_text(chain: Iterable[str]) -> str:
    return ARROW.join(chain)


def cycle_from(start: str, parent_of: Callable[[str], str | None]) -> list[str] | None:
    """The chain `start → … → start` if following `parent_of` from `start` comes back to it, else None.
    `parent_of` answers an id's parent id (None or '' for a top or an unknown id)."""
    chain, seen, current = [start], {start}, parent_of(start)
    while current:
        chain.append(current)
        if current == start:
            return chain
        if current in seen or len(chain) > MAX_DEPTH:
            return None  # a loop above `start`, not through it: reported for the customers on it
        seen.add(current)
        current = parent_of(current)
    return None


def family_links(top_ids: Iterable[int]) -> dict[int, tuple[int | None, int]]:
    """pk → (parent pk, depth) of every customer in the families of `top_ids`. One query a chunk."""
    links: dict[int, tuple[int | None, int]] = {}
    for part in chunks(set(top_ids)):
        rows = Customer.objects.filter(Q(pk__in=part) | Q(family_top_id__in=part))
        links.update((pk, (parent, depth)) for pk, parent, depth in rows.values_list("pk", "parent_id", "depth"))
    return links


def _children(links: dict[int, tuple[int | None, int]]) -> dict[int, list[int]]:
    children = defaultdict(list)
    for pk, (parent, _) in links.items():
        if parent is not None:
            children[parent].append(pk)
    return children


def subtrees(links: dict[int, tuple[int | None, int]], roots: Iterable[int]) -> dict[int, list[int]]:
    """root → the root and every account below it, from `family_links`. No query."""
    children = _children(links)
    found: dict[int, list[int]] = {}
    for root in roots:
        members, seen, level = [root], {root}, [root]
        while level:
            level = [child for pk in level for child in children.get(pk, ()) if child not in seen]
            seen.update(level)
            members += level
        found[root] = members
    return found


def subtree_ids(customer: Customer) -> list[int]:
    """The customer and every account below it, the customer first. One query."""
    if customer.family_top_id is None:
        return [customer.pk, *Customer.objects.filter(family_top_id=customer.pk).order_by("depth", "pk")
                .values_list("pk", flat=True)]
    children = _children(family_links([customer.family_top_id]))
    found, seen, level = [customer.pk], {customer.pk}, [customer.pk]
    while level:
        level = [child for pk in level for child in sorted(children.get(pk, ())) if child not in seen]
        seen.update(level)
        found += level
    return found


def subtree_q(customer: Customer, prefix: str = "") -> Q:
    """A filter for the customer and every account below it (`prefix` "customer__" for its
    documents): no query for a top, `subtree_ids`' one below it."""
    if customer.family_top_id is None:
        return Q(**{f"{prefix}pk": customer.pk}) | Q(**{f"{prefix}family_top_id": customer.pk})
    return Q(**{f"{prefix}pk__in": subtree_ids(customer)})


def chain(customer: Customer) -> list[Customer]:
    """The customer's ancestors from the top down, then the customer itself (Group › Region › Site).
    One query for a customer below a top, none for a top."""
    if customer.parent_id is None:
        return [customer]
    if customer.depth == 1 and customer.parent is not None:  # the top, often fetched with the customer
        return [customer.parent, customer]
    family = {c.pk: c for c in Customer.objects.filter(Q(pk=customer.family_top_id) | Q(family_top_id=customer
                                                                                       .family_top_id))
              .only("pk", "name", "external_id", "parent_id", "depth")}
    found, current = [customer], family.get(customer.parent_id)
    while current is not None and len(found) <= MAX_DEPTH:
        found.append(current)
        current = family.get(current.parent_id) if current.parent_id else None
    return found[::-1]


def at_level(links: dict[int, tuple[int | None, int]], level: int) -> dict[int, int]:
    """pk → the pk of its ancestor at depth `level` (itself when it is at or above that level), for
    every customer of `links` (`family_links`). A chain broken above `level` stops at its highest link."""
    found: dict[int, int] = {}
    for pk in links:
        path: list[int] = []
        current = pk
        while current not in found and links[current][1] > level and len(path) <= MAX_DEPTH:
            parent = links[current][0]
            if parent is None or parent not in links:
                break
            path.append(current)
            current = parent
        target = found.get(current, current)
        for step in path:
            found[step] = target
        found.setdefault(current, target)
    return found


def level_keys(customer_ids: Iterable[int], level: int | None) -> dict[int, int]:
    """pk → the family key a report groups by: the top (level None), else the ancestor at `level`
    (0 = the top, 1 = the level below it, …; an account above that level is its own key). Two queries."""
    ids = set(customer_ids)
    tops = {pk: top or pk for pk, top in _values(ids, "family_top_id")}
    if level is None or level == 0:
        return tops
    keys = at_level(family_links(set(tops.values())), level)
    return {pk: keys.get(pk, pk) for pk in ids}


def _values(ids: set, column: str) -> list[tuple[int, int | None]]:
    rows: list[tuple[int, int | None]] = []
    for part in chunks(ids):
        rows += Customer.objects.filter(pk__in=part).values_list("pk", column)
    return rows


def parent_refused(customer: Customer, parent: Customer | None) -> str | None:
    """Why `parent` cannot be the parent of `customer` (it is the customer itself or an account below
    it: a cycle, named "A → B → C → A"), or None."""
    if parent is None:
        return None
    if parent.pk == customer.pk:
        return f"{customer.external_id} cannot be its own parent"
    if customer.pk is None or parent.family_top_pk != customer.family_top_pk:
        return None
    top = customer.family_top_pk
    family = {c.pk: c for c in Customer.objects.filter(Q(pk=top) | Q(family_top_id=top))
              .only("pk", "external_id", "parent_id")}
    path, current = [customer.external_id], parent  # type: list[str], Customer | None
    while current is not None and len(path) <= MAX_DEPTH:
        path.append(current.external_id)
        if current.pk == customer.pk:
            return f"a cycle: {chain_text(path)}"
        current = family.get(current.parent_id) if current.parent_id else None
    return None


def families_refresh(customer_ids: Iterable[int] | None = None) -> int:
    """Set `family_top` and `depth` from the parent links for the families the customers of
    `customer_ids` are in now (every family when None), after writes that bypass `Customer.save`.
    Returns how many customers changed. A few queries per level of the deepest family."""
    links: dict[int, tuple[int | None, int | None, int]] = {}  # pk → (parent, stored top, stored depth)
    if customer_ids is None:
        links = {pk: (parent, top, depth) for pk, parent, top, depth
                 in Customer.objects.values_list("pk", "parent_id", "family_top_id", "depth").iterator(5000)}
    else:
        frontier = set(customer_ids)
        while frontier:  # up to the tops
            for part in chunks(frontier):
                links.update((pk, (parent, top, depth)) for pk, parent, top, depth in Customer.objects.filter(
                    pk__in=part).values_list("pk", "parent_id", "family_top_id", "depth"))
            frontier = {parent for parent, _, _ in links.values() if parent and parent not in links}
        frontier = {pk for pk, (parent, _, _) in links.items() if parent is None}
        done = set(frontier)
        while frontier:  # down from the tops
            found: dict[int, tuple[int | None, int | None, int]] = {}
            for part in chunks(frontier):
                found.update((pk, (parent, top, depth)) for pk, parent, top, depth in Customer.objects.filter(
                    parent_id__in=part).values_list("pk", "parent_id", "family_top_id", "depth"))
            links.update(found)
            frontier = found.keys() - done
            done |= frontier
    children = defaultdict(list)
    for pk, (parent, _, _) in links.items():
        if parent is not None:
            children[parent].append(pk)
    changed = []
    level: list[tuple[int, int | None, int]] = [(pk, None, 0) for pk, (parent, _, _) in links.items()
                                                if parent is None]
    while level:
        following: list[tuple[int, int | None, int]] = []
        for pk, top, depth in level:
            if (links[pk][1], links[pk][2]) != (top, depth):
                changed.append({"pk": pk, "family_top_id": top, "depth": depth})
            if depth < MAX_DEPTH:
                following += [(child, top or pk, depth + 1) for child in children.get(pk, ())]
        level = following
    update_rows(Customer, changed, ["family_top_id", "depth"])
    return len(changed)
