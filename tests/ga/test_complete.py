"""Complete search: every feasible combination exactly once, the true optimum, any batch split."""

from __future__ import annotations

from rayga.ga.complete import CompleteSearch
from rayga.ga.space import Input, ParamSpace


def space():
    inputs = (Input("a", tuple(map(float, range(13)))), Input("b", tuple(map(float, range(17)))),
              Input("c", (0.5, 1.5, 2.5)))
    return ParamSpace(("a", "b", "c"), inputs, constraints=("a < b",))


def objective(rows):
    return -((rows[:, 0] - 7) ** 2) - (rows[:, 1] - 11) ** 2 + rows[:, 2]


def test_range_decode_matches_numbering():
    sp = space()
    genomes = sp.genomes_of_range(0, sp.n_combinations)
    assert [sp.number_of(g) for g in genomes] == list(range(sp.n_combinations))


def test_every_feasible_combination_once_and_the_true_optimum():
    sp = space()
    for batch in (1, 5, 1000):
        search = CompleteSearch(sp, block=50)
        seen = []
        while not search.done:
            todo = search.ask()
            for i in range(0, len(todo), batch):
                part = todo[i:i + batch][::-1]  # results in reverse order within the batch
                seen += [sp.number_of(g) for g in part]
                search.tell(part, objective(sp.decode(part)))
        everything = sp.genomes_of_range(0, sp.n_combinations)
        feasible = everything[sp.feasible(everything)]
        assert sorted(seen) == sorted(sp.number_of(g) for g in feasible)
        genome, value = search.best()
        assert value == objective(sp.decode(feasible)).max()
        assert sp.decode(genome[None, :]).tolist() == [[7.0, 11.0, 2.5]]
