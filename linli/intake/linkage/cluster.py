"""Connected components over match edges, never joining two different valid ID numbers."""


class AnchoredClusters:
    """Union-find over record positions. Each component remembers the valid ID number it holds (its
    anchor); a union that would put two different anchors in one component is refused, because one
    person has one ID number and such a merge is wrong somewhere along the chain."""

    def __init__(self, anchors: list[str | None]) -> None:
        self.parent = list(range(len(anchors)))
        self.anchor: list[str | None] = list(anchors)

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> bool:
        """Join the components of ``a`` and ``b``; False if their anchors differ (nothing changes)."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        anchor_a, anchor_b = self.anchor[root_a], self.anchor[root_b]
        if anchor_a is not None and anchor_b is not None and anchor_a != anchor_b:
            return False
        # The smaller root survives, so the result does not depend on the order of equal-strength edges.
        keep, drop = (root_a, root_b) if root_a < root_b else (root_b, root_a)
        self.parent[drop] = keep
        self.anchor[keep] = anchor_a if anchor_a is not None else anchor_b
        return True

    def same(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def labels(self) -> list[int]:
        return [self.find(i) for i in range(len(self.parent))]
