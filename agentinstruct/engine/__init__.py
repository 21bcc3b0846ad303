"""The generation engine: run directories, the work-unit ledger, planning and the driver."""
