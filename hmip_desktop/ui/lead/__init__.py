"""The lead inspector's workspace: import the team's files, settle conflicts, watch the scores,
write the findings and preview the report. `ui.workspace.Workspace` adds its tabs (`workspace.LeadWorkspace`)
when the open file's role is "lead"; an assessor's file never loads this package."""
