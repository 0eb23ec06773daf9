"""The coordinators' view of the whole network: the dashboard and the rounds' results."""
