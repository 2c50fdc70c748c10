from django.dispatch import Signal

# Sent inside the submission's transaction with ``attempt``: a graded or expired attempt.
attempt_submitted = Signal()
