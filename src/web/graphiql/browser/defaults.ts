// What a first-time visitor sees. Kept apart from the entry so the page's wording can be
// read (and tested) without a browser.

export const TOKEN_PLACEHOLDER = 'Bearer <paste the output of: npx gridhub token city.admin>';

export const DEFAULT_HEADERS = JSON.stringify({ Authorization: TOKEN_PLACEHOLDER }, null, 2);

export const DEFAULT_QUERY = `# gridhub GraphiQL
#
# 1. Get a token:   npx gridhub token city.admin
# 2. Paste it into the Authorization header (Headers tab, below).
# 3. Run with Ctrl-Enter.
#
# Subscriptions run over WebSocket and use the same Authorization header.

{
  me {
    name
    roles
    unit {
      code
      name
      tier
    }
  }
}

# Alerts visible to you (field names: see Docs on the left):
#
# {
#   alerts(first: 10) {
#     edges {
#       node { id type severity status occurredAt source }
#     }
#   }
# }
#
# Live alerts (keep it running, raise one from another tab):
#
# subscription {
#   alertRaised { id type severity status occurredAt }
# }
`;
