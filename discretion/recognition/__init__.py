"""Recognition: kudos from anyone to an agent, and from an ``above_and_beyond`` review."""
