"""Loss masking: training chat templates with generation markers, and checks of which tokens carry labels."""
