"""What a community learns from itself: figures, the chart, CSV exports."""
