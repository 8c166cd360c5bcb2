"""Sending webhooks (issue 14, item 3): where to (:mod:`.address`), how (:mod:`.send`) and the
pass that drains the queue (:mod:`.deliver`). The queue itself is
:mod:`proposals.services.webhooks`."""
