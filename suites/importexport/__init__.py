"""The AWS Import/Export contract suite (GetStatus, with ListJobs for pagination)."""
