"""Cross-domain follow-ups, as signals (blinker, as indico's ``signals``): the domain that
acts sends, the domain that follows subscribes, and neither imports the other.

- ``tally_finished``: an official tally run was stored (sender: the run's id; keyword
  ``process_id``). Open data subscribes: it publishes a new version of the process.
- ``results_opened``: a phase that shows results opened in a published process, by its
  dates (the scheduler) or by an administrator's hand (sender: the phase's id; keyword
  ``process_id``). Sent before the commit: open data subscribes and publishes a new
  version once the opening is committed.
"""

from blinker import Namespace

_signals = Namespace()

tally_finished = _signals.signal("tally-finished")
results_opened = _signals.signal("results-opened")
