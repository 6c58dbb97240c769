"""Official documents drafted from the data in the format of Decree 30/2020: letters,
appendices, committee reports, ranking decisions and reminders about late tasks."""
