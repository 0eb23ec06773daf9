"""Step 2: from the relaxation to pairs, and local improvement.

The relaxation's permutation splits into cycles; each cycle gives its best pairs (an even
cycle one of its alternating halves, an odd cycle all but one of its people), and short
augmenting paths then re-match whoever was left over. Small rounds are solved outright.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt

from matching._graph import Graph, edge_weight, graph_rows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_OPTIONS_PER_PASS = 2000


def exact_small(gain: FloatArray) -> IntArray:
    """Best pairing of a few people: the lowest person of each subset stays alone or pairs."""
    n = gain.shape[0]
    values = gain.tolist()
    best: dict[int, tuple[float, int]] = {0: (0.0, -1)}

    def solve(mask: int) -> float:
        if mask in best:
            return best[mask][0]
        i = (mask & -mask).bit_length() - 1
        rest = mask & ~(1 << i)
        value, partner = solve(rest), -1
        for j in range(i + 1, n):
            if rest >> j & 1 and values[i][j] > 0:
                option = values[i][j] + solve(rest & ~(1 << j))
                if option > value:
                    value, partner = option, j
        best[mask] = (value, partner)
        return value

    mask = (1 << n) - 1
    solve(mask)
    mate = np.full(n, -1, dtype=np.intp)
    while mask:
        i = (mask & -mask).bit_length() - 1
        partner = best[mask][1]
        mask &= ~(1 << i)
        if partner >= 0:
            mate[i], mate[partner] = partner, i
            mask &= ~(1 << partner)
    return mate


def round_cycles(sigma: IntArray, graph: Graph) -> IntArray:
    """Best pairs along each cycle of the permutation (exact dynamic programme per cycle)."""
    n = sigma.size
    mate = np.full(n, -1, dtype=np.intp)
    two = np.flatnonzero((sigma[sigma] == np.arange(n)) & (sigma != np.arange(n)))
    # The relaxation may also swap two people at no gain; only pairs worth forming count.
    two = np.array([i for i in two.tolist() if edge_weight(graph, i, int(sigma[i])) > 0], np.intp)
    mate[two] = sigma[two]
    seen = np.zeros(n, dtype=bool)
    seen[two] = True
    seen[sigma == np.arange(n)] = True
    for start in np.flatnonzero(~seen):
        if seen[start]:
            continue
        cycle = [int(start)]
        seen[start] = True
        nxt = int(sigma[start])
        while nxt != start:
            cycle.append(nxt)
            seen[nxt] = True
            nxt = int(sigma[nxt])
        edges = [
            edge_weight(graph, cycle[t], cycle[(t + 1) % len(cycle)]) for t in range(len(cycle))
        ]
        for t in _best_cycle_matching(edges):
            a, b = cycle[t], cycle[(t + 1) % len(cycle)]
            mate[a], mate[b] = b, a
    return mate


def _best_cycle_matching(edges: list[float]) -> list[int]:
    """Indices of the edges of a maximum-weight matching in a cycle with these edges."""

    def path(ws: list[float], offset: int) -> tuple[float, list[int]]:
        # Classic take-or-skip recurrence on a path of edges.
        best = [0.0] * (len(ws) + 1)
        for t, wt in enumerate(ws):
            take = (best[t - 1] if t >= 1 else 0.0) + wt if wt > 0 else -math.inf
            best[t + 1] = max(best[t], take)
        chosen: list[int] = []
        t = len(ws)
        while t > 0:
            if best[t] != best[t - 1]:
                chosen.append(offset + t - 1)
                t -= 2
            else:
                t -= 1
        return best[-1], chosen

    m = len(edges)
    without_first = path(edges[1:], 1)
    if edges[0] > 0 and m >= 3:
        rest = path(edges[2 : m - 1], 2)
        with_first = (edges[0] + rest[0], [0, *rest[1]])
        if with_first[0] > without_first[0]:
            return with_first[1]
    return without_first[1]


def improve(mate: IntArray, graph: Graph, depth: int = 12, passes: int = 50) -> IntArray:
    """Apply the best improving alternating paths from people left over, while any exists.

    An alternating path starts at a free person, takes a pair edge, gives up the partner's
    current pair, takes a new edge from the freed partner, and so on; it ends at another
    free person (one pair more) or just after freeing someone (the free place moves). The
    best gain of every path of at most ``depth`` new edges is found for all free people at
    once by a Bellman-Ford style recurrence over the edges; the paths that turn out simple
    and vertex-disjoint are applied, and the search repeats.
    """
    mate = mate.copy()
    n = graph.n
    src = graph_rows(graph)
    dst, wt = graph.indices, graph.data
    if wt.size == 0:
        return mate
    tol = 1e-9 * float(wt.max())
    last = -np.inf
    for _ in range(passes):
        own = np.zeros(n)
        matched = mate >= 0
        # Weight of each person's current pair, read off the arcs to their mate.
        to_mate = dst == mate[src]
        own[src[to_mate]] = wt[to_mate]
        # A pass that only moved who is left over (no heavier pairing) ends the search:
        # points in a square went on for all 50 passes, a second in all, without a gain.
        total = float(own.sum())
        if total <= last + tol:
            break
        last = total
        gain = np.where(~matched, 0.0, -np.inf)  # best gain of a path that frees this person
        root = np.where(~matched, np.arange(n), -1)
        pred_z = np.full(n, -1, dtype=np.intp)  # the path entered mate[x] via arc z -> x
        pred_x = np.full(n, -1, dtype=np.intp)
        # Arcs z -> x into a matched x, other than z's own pair.
        into = matched[dst] & (mate[src] != dst)
        a_src, a_dst, a_wt = src[into], dst[into], wt[into]
        freed = mate[a_dst]
        for _ in range(depth):
            cand = gain[a_src] + a_wt - own[a_dst]
            ok = (cand > gain[freed] + tol) & (root[a_src] >= 0) & (freed != root[a_src])
            if not ok.any():
                break
            order = np.flatnonzero(ok)
            order = order[np.lexsort((-cand[order], freed[order]))]
            first = order[np.r_[True, freed[order][1:] != freed[order][:-1]]]
            tgt = freed[first]
            gain[tgt] = cand[first]
            root[tgt] = root[a_src[first]]
            pred_z[tgt] = a_src[first]
            pred_x[tgt] = a_dst[first]
        # Ends: at a free person (one more pair), or at a freed person (a move).
        end_free = (~matched[dst]) & (root[src] >= 0) & (root[src] != dst) & (src != dst)
        options: list[tuple[float, int, int]] = []
        for k in np.flatnonzero(end_free & (gain[src] + wt > tol)).tolist():
            options.append((float(gain[src[k]] + wt[k]), int(src[k]), int(dst[k])))
        for v in np.flatnonzero(matched & (gain > tol) & (root >= 0)).tolist():
            options.append((float(gain[v]), v, -1))
        if not options:
            break
        options.sort(key=lambda o: (-o[0], o[1], o[2]))
        # The best few per pass: where weights are nearly equal (clusters) there are
        # hundreds of thousands of options, and tracing them all took seconds per pass.
        del options[_OPTIONS_PER_PASS:]
        used = np.zeros(n, dtype=bool)
        applied = 0
        for _total, z, f in options:
            path = _trace(z, pred_z, pred_x, root, mate)
            if path is None:
                continue
            touched = np.array([v for step in path for v in step] + [z] + ([f] if f >= 0 else []))
            if used[touched].any() or np.unique(touched).size != touched.size:
                continue
            # Labels may have changed after a path was recorded: recount its real gain.
            real = sum(edge_weight(graph, a, x) - own[x] for a, x in path)
            if f >= 0:
                real += edge_weight(graph, z, f)
            if real <= tol:
                continue
            used[touched] = True
            _apply(mate, path, f)
            applied += 1
        if applied == 0:
            break
    return mate


def _trace(
    z: int, pred_z: IntArray, pred_x: IntArray, root: IntArray, mate: IntArray
) -> list[tuple[int, int]] | None:
    """The new edges (z_k, x_k) of the path that freed ``z``, from its root; ``None``
    when the recorded path is not simple."""
    steps: list[tuple[int, int]] = []
    seen = {z}
    cur = z
    while pred_z[cur] >= 0:
        zz, xx = int(pred_z[cur]), int(pred_x[cur])
        if zz in seen or xx in seen or len(steps) > 64:
            return None
        seen.update((zz, xx))
        steps.append((zz, xx))
        cur = zz
    if cur != root[z]:
        return None
    steps.reverse()
    # Each new edge (a, x) frees mate[x], which is where the next edge starts.
    for (_a, x), (nxt, _b) in itertools.pairwise(steps):
        if int(mate[x]) != nxt:
            return None
    if steps and int(mate[steps[-1][1]]) != z:
        return None
    return steps


def _apply(mate: IntArray, steps: list[tuple[int, int]], end: int) -> None:
    freed = [int(mate[x]) for _a, x in steps]
    for (a, x), m in zip(steps, freed, strict=True):
        mate[m] = -1
        mate[a], mate[x] = x, a
    if end >= 0 and freed:
        last = freed[-1]
        mate[last], mate[end] = end, last
