import { mount } from '../../lib/page'
import DisplayPage from './DisplayPage.vue'

mount(DisplayPage)
