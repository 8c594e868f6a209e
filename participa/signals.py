"""Cross-domain follow-ups, as signals (blinker, as indico's ``signals``): the domain that
acts sends, the domain that follows subscribes, and neither imports the other.

- ``tally_finished``: an official tally run was stored (sender: the run's id; keyword
  ``process_id``). Open data subscribes: it publishes a new version of the process.
"""

from blinker import Namespace

_signals = Namespace()

tally_finished = _signals.signal("tally-finished")
