"""Ends the (user, quiz, mode) index of attempts with the attempt's number.

A start reads the learner's latest attempt: with the number in the index, that is one entry
read backwards, however many attempts the learner has made (before, PostgreSQL fetched and
sorted them all: 0.75 ms at 276 attempts). The new index is built before the old one goes.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0005_drop_indexes_led_by_others"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="attempt",
            index=models.Index(
                fields=["user", "quiz", "mode", "number"], name="attempt_user_quiz_mode_number"
            ),
        ),
        migrations.RemoveIndex(model_name="attempt", name="attempt_user_quiz_mode"),
    ]
