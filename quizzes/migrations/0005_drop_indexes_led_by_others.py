"""Drops three indexes that other indexes already cover, leading with the same column:
every start and submission wrote them for nothing.

* ``quizzes_attempt.user_id``: ``attempt_user_quiz_mode`` (user, quiz, mode) leads with it;
* ``quizzes_attempt.quiz_id``: ``attempt_quiz_state`` (quiz, state) leads with it;
* ``quizzes_attemptquestion.attempt_id``: ``attempt_position_unique`` (attempt, position).

Only the indexes go. A plain ``DROP INDEX`` (the names are the same on SQLite and
PostgreSQL) rather than ``AlterField``'s own SQL, with which SQLite would copy both tables,
1.5 million answers included, to change nothing else. Reversed, the indexes come back.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("quizzes_attempt_user_id_ef81d7e3", "quizzes_attempt", "user_id"),
    ("quizzes_attempt_quiz_id_5dc3f292", "quizzes_attempt", "quiz_id"),
    ("quizzes_attemptquestion_attempt_id_2b0c5fba", "quizzes_attemptquestion", "attempt_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0004_attemptquestion_picked"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="attempt",
                    name="quiz",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attempts",
                        to="quizzes.quiz",
                    ),
                ),
                migrations.AlterField(
                    model_name="attempt",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attempts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="attemptquestion",
                    name="attempt",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="quizzes.attempt",
                    ),
                ),
            ],
        )
    ]
