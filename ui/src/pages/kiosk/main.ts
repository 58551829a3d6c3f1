// The kiosk page (取号机): a customer page, Chinese for each new customer.
import { mount } from '../../lib/page'
import KioskPage from './KioskPage.vue'

mount(KioskPage, { customer: true })
