"""Changes an intruder cannot rule out, found as paths when the hidden cells form a network.

Why: on a two-way table every hidden cell lies on exactly two lines (its row and its column,
or a margin's line and the margins' line), and a change that keeps every line adding up is a
circulation: the lines are the nodes, the hidden cells the edges. Whether a cell can move by
its protection is then whether some path returns the moved amount around the lines, through
cells that can rise (without end) or fall (as far as their value). A breadth-first search
answers that in well under a millisecond where the audit's linear program took ten on a
50,000-cell table, and the path is itself the change (a rectangle, mostly), so it is pooled
like one the program found.

A path is only ever a witness: a change it gives is checked line by line before it is used,
so a path never claims protection the program would deny. When no single path carries the
whole amount, the lines the search reached bound how far the cell can move at all (the cut
around them); below the amount by more than the audit's tolerance, that is the program's
"no" without the program (an insider whose own cell is fixed often leaves a primary cell no
way round). Otherwise several paths together might carry it, and the caller asks its linear
program as before. The search visits nodes in a fixed order, so the same table always gives
the same answers.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence

INFINITY = math.inf
Room = Callable[[int, bool, float], float]  # an arc's room: (edge, along it or against it, the cell's room)
AUGMENTATIONS = 32  # paths added up for one question before it is left to the linear program (a work limit)


class Network:
    """A group's hidden cells as edges between its lines, when every one lies on exactly two of them.

    Each line's equation is multiplied by +1 or -1 (``orientation``) so that every cell enters
    one of its lines with +1 (it leaves that node) and the other with -1 (it enters that one);
    the lines then say flow in equals flow out. Edge ``j`` of the network is ``cells[j]``.
    """

    def __init__(
        self, tails: list[int], heads: list[int], ends: list[list[tuple[int, int]]], values: Sequence[float], nodes: int
    ):
        self.tails = tails
        self.heads = heads
        self.ends = ends  # each edge's two lines and its sign on each, as the table's equations have them
        self.values = values  # how far each cell can fall (it cannot go below zero)
        # Each node's arcs: the edge, the node at its other end, whether it runs along the edge (the
        # cell rises, without end) or against it (the cell falls, at most to zero), and how far.
        self.adjacent: list[list[tuple[int, int, bool, float]]] = [[] for _ in range(nodes)]
        for edge, (tail, head) in enumerate(zip(tails, heads, strict=True)):
            self.adjacent[tail].append((edge, head, True, INFINITY))
            self.adjacent[head].append((edge, tail, False, float(values[edge])))
        self.searches = 0

    @classmethod
    def of(
        cls,
        cells: Sequence[int],
        line_numbers: Sequence[int],
        lines: Sequence[Sequence[int]],
        signs: Sequence[Sequence[int]],
        hidden: Sequence[bool],
        values: Sequence[float],
    ) -> Network | None:
        """The network of a group of hidden cells, or None when its lines do not make one."""
        position = {cell: j for j, cell in enumerate(cells)}
        ends: list[list[tuple[int, int]]] = [[] for _ in cells]  # each cell's (node, sign) on its lines
        node_lines: list[list[tuple[int, int]]] = []  # each node's (edge, sign)
        for node, number in enumerate(line_numbers):
            members = []
            for cell, sign in zip(lines[number], signs[number], strict=True):
                if hidden[cell]:
                    if sign not in (1, -1) or cell not in position:
                        return None
                    ends[position[cell]].append((node, sign))
                    members.append((position[cell], sign))
            node_lines.append(members)
        if any(len(pair) != 2 for pair in ends):
            return None
        # Orient the lines: a cell's two lines must give it opposite signs once multiplied out.
        orientation = [0] * len(line_numbers)
        for start in range(len(line_numbers)):
            if orientation[start]:
                continue
            orientation[start] = 1
            queue = deque([start])
            while queue:
                node = queue.popleft()
                for edge, sign in node_lines[node]:
                    (first, first_sign), (second, second_sign) = ends[edge]
                    other, other_sign = (second, second_sign) if first == node else (first, first_sign)
                    if other == node:
                        return None
                    wanted = -orientation[node] * sign * other_sign
                    if not orientation[other]:
                        orientation[other] = wanted
                        queue.append(other)
                    elif orientation[other] != wanted:
                        return None  # the lines do not make a network (not a two-way table)
        tails, heads = [], []
        for (first, first_sign), (second, _second_sign) in ends:
            if orientation[first] * first_sign > 0:
                tails.append(first)
                heads.append(second)
            else:
                tails.append(second)
                heads.append(first)
        return cls(tails, heads, ends, [float(values[cell]) for cell in cells], len(line_numbers))

    def change(
        self, edge: int, direction: int, amount: float, known: tuple[int, float, float] | None = None
    ) -> tuple[list[tuple[int, float]] | None, float]:
        """A change moving ``edge`` by ``amount`` up (+1) or down (-1) along one path, else how far any change can.

        ``known`` is an insider's edge and how far it may shift (low up to high, as ``_Deviations.find``).
        Returns the change (the moved edges and their shifts) and infinity; or, when no single path
        carries the amount, None and an upper bound on how far the edge can move at all: the
        capacity of the cut around the lines the search reached (every arc leaving them can carry
        less than the amount, and together they carry at most their sum; max-flow min-cut).
        """
        self.searches += 1
        insider, rise, fall = -1, INFINITY, INFINITY
        if known is not None:  # the insider's cell may shift only within what it knows
            insider, rise, fall = known[0], max(0.0, known[2]), max(0.0, min(-known[1], self.values[known[0]]))
        if edge == insider:
            room = rise if direction > 0 else fall
        else:
            room = INFINITY if direction > 0 else self.values[edge]
        if room < amount:
            return None, room
        # The moved cell carries the amount from one end to the other; a path must bring it back.
        source, target = (self.heads[edge], self.tails[edge]) if direction > 0 else (self.tails[edge], self.heads[edge])

        def capacity(j: int, along: bool, room: float) -> float:
            return (rise if along else fall) if j == insider else room

        reached = self._search(
            source, target, edge, lambda j, along, room: capacity(j, along, room) >= amount, capacity
        )
        if target not in reached:
            cut = self._cut(reached, edge, capacity)
            if cut < amount:
                return None, cut
            # No single path carries it all; several together might: augment them (Edmonds and Karp).
            return self._augment(edge, direction, amount, source, target, capacity)
        shifts = [(edge, direction * amount)]
        node = target
        while node != source:
            previous, j, along, _left = reached[node]
            shifts.append((j, amount if along else -amount))
            node = previous
        return (shifts, INFINITY) if self._balanced(shifts) else (None, INFINITY)

    def _augment(
        self, edge: int, direction: int, amount: float, source: int, target: int, capacity: Room
    ) -> tuple[list[tuple[int, float]] | None, float]:
        """Paths added up until they carry ``amount``, or the most they carry together (the max flow).

        Each round takes the shortest path with room left, in the search's fixed order, and sends
        what it can; after ``AUGMENTATIONS`` rounds the question is left to the program (None,
        infinity). Room below a hair of the amount counts as none, and is added to the bound.
        """
        floor = 1e-9 * max(1.0, amount)
        flow: dict[int, float] = {}

        def left(j: int, along: bool, room: float) -> float:
            return capacity(j, along, room) - flow.get(j, 0.0) if along else capacity(j, along, room) + flow.get(j, 0.0)

        carried = 0.0
        for _round in range(AUGMENTATIONS):
            reached = self._search(source, target, edge, lambda j, along, room: left(j, along, room) > floor, left)
            if target not in reached:
                return None, carried + self._cut(reached, edge, lambda j, along, room: max(0.0, left(j, along, room)))
            path, node, send = [], target, amount - carried
            while node != source:
                previous, j, along, room_left = reached[node]
                path.append((j, along))
                send = min(send, room_left)
                node = previous
            for j, along in path:
                flow[j] = flow.get(j, 0.0) + (send if along else -send)
            carried += send
            if carried >= amount - floor:
                shifts = [(edge, direction * amount), *((j, shift) for j, shift in flow.items() if shift != 0.0)]
                return (shifts, INFINITY) if self._balanced(shifts, floor) else (None, INFINITY)
        return None, INFINITY

    def _search(
        self, source: int, target: int, edge: int, follows: Callable[[int, bool, float], bool], room: Room
    ) -> dict[int, tuple[int, int, bool, float]]:
        """The lines a breadth-first search reaches from ``source`` (until ``target``), without ``edge``.

        An arc is followed when ``follows`` says so; each line reached keeps the line it was
        reached from, the edge and its direction, and the arc's ``room``, so a path can be read
        back from the target. Lines' arcs are visited in a fixed order: the same table, the same path.
        """
        reached: dict[int, tuple[int, int, bool, float]] = {source: (source, -1, True, INFINITY)}
        queue = deque([source])
        while queue and target not in reached:
            node = queue.popleft()
            for j, other, along, arc_room in self.adjacent[node]:
                if other in reached or j == edge or not follows(j, along, arc_room):
                    continue
                reached[other] = (node, j, along, room(j, along, arc_room))
                if other == target:
                    break
                queue.append(other)
        return reached

    def _cut(self, reached: dict, edge: int, room: Room) -> float:
        """How much can leave the lines reached (the capacity of the cut around them), by ``room``."""
        return sum(
            room(j, along, arc_room)
            for node in reached
            for j, other, along, arc_room in self.adjacent[node]
            if other not in reached and j != edge
        )

    def _balanced(self, shifts: list[tuple[int, float]], slack: float = 0.0) -> bool:
        """Whether every line the change touches still adds up (within ``slack``), read from the lines' own signs."""
        residual: dict[int, float] = {}
        for j, shift in shifts:
            for node, sign in self.ends[j]:
                residual[node] = residual.get(node, 0.0) + sign * shift
        return all(abs(total) <= slack * len(shifts) for total in residual.values())
