// Drives the official Segment Node SDK, unchanged except for its host setting, against fssim.
// Usage: FSSIM_HOST=http://127.0.0.1:PORT FSSIM_WRITE_KEY=KEY FSSIM_EMAIL=a@b.c node send.mjs
import { Analytics } from '@segment/analytics-node'

const host = process.env.FSSIM_HOST
const writeKey = process.env.FSSIM_WRITE_KEY
const email = process.env.FSSIM_EMAIL
if (!host || !writeKey || !email) {
  console.error('FSSIM_HOST, FSSIM_WRITE_KEY and FSSIM_EMAIL are required')
  process.exit(2)
}

const analytics = new Analytics({ writeKey, host, flushAt: 10, flushInterval: 200 })
const errors = []
analytics.on('error', (error) => errors.push(String(error && (error.reason || error.message || error))))

analytics.identify({ userId: email, traits: { email, firstName: 'Grace', lastName: 'Hopper', title: 'Admiral' } })
analytics.page({ userId: email, name: 'Pricing', properties: { url: 'https://www.example.com/pricing', path: '/pricing', title: 'Pricing' } })
analytics.track({ userId: email, event: 'Trial Started', properties: { plan: 'pro', trial_days: 14 } })
analytics.screen({ userId: email, name: 'Home' })

await analytics.closeAndFlush({ timeout: 10000 })
console.log(JSON.stringify({ sent: 4, errors }))
process.exit(errors.length ? 1 : 0)
