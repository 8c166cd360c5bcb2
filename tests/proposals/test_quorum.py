"""The quorum rule of DESIGN.md §2, as the pages show it and the lifecycle applies it."""

from proposals.lifecycle import quorum_needed


class TestQuorumNeeded:
    def test_matches_the_rule_as_written(self) -> None:
        for population in range(0, 31):
            for num in range(0, 6):
                for den in range(1, 6):
                    needed = quorum_needed(population, num, den)
                    for count in range(0, 41):
                        reached = count > 0 and count * den >= population * num
                        assert reached == (count >= needed), (population, num, den, count)

    def test_examples(self) -> None:
        assert quorum_needed(8, 1, 4) == 2
        assert quorum_needed(10, 1, 10) == 1
        assert quorum_needed(0, 1, 10) == 1  # a count of 0 never reaches a quorum
        assert quorum_needed(11, 1, 10) == 2
