"""Forms, one module per area, and the GOV.UK renderer every form uses."""
