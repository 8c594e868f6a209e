"""The small helpers of the views: districts in tree order for the select lists."""

from participa.views_common import in_tree_order


def test_districts_come_in_tree_order_each_under_its_parent():
    rows = [
        (1, "San Pedro", None),
        (2, "Sector Sur", 1),
        (3, "Sector Norte", 1),
        (4, "Colonia del Valle", 3),
        (5, "Apodaca", None),
        (6, "Huérfano", 99),  # its parent is gone: top level, not lost
    ]
    assert in_tree_order(rows) == [
        (5, "Apodaca", 0),
        (6, "Huérfano", 0),
        (1, "San Pedro", 0),
        (3, "Sector Norte", 1),
        (4, "Colonia del Valle", 2),
        (2, "Sector Sur", 1),
    ]


def test_districts_in_a_loop_of_parents_each_come_out_once():
    rows = [(1, "A", 2), (2, "B", 1), (3, "C", None)]
    ordered = in_tree_order(rows)
    assert sorted(row_id for row_id, _name, _depth in ordered) == [1, 2, 3]
    assert ordered[0] == (3, "C", 0)
