// The rating pad page (评价器): a customer page, Chinese for each new customer.
import { mount } from '../../lib/page'
import RatePage from './RatePage.vue'

mount(RatePage, { customer: true })
