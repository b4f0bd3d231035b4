"""`make run` seeds the sample reports as one of its setup commands, after migrating."""

from cryptodash.stack.commands import setup_commands


def test_make_run_seeds_sample_reports_after_migrating():
    commands = setup_commands()

    assert ["seed_reports"] in commands
    assert commands.index(["seed_reports"]) > commands.index(["migrate", "--noinput"])
