"""The editors' review page: a finished run's film, tracks, dubs and QC in one grid."""
